package sqlite

import (
	"testing"
	"time"
)

// Times are stored as int64 nanoseconds; expiries outside what that holds
// (years 1678–2262) saturate instead of wrapping around.
func TestExpiriesOutsideTheNanosecondRangeSaturate(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	long := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.Commit(ctx, "far", []byte("x"), far); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Find(ctx, "far"); !found {
		t.Error("a session expiring in year 9999 is not found")
	}
	if err := s.Commit(ctx, "long-ago", []byte("x"), long); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Find(ctx, "long-ago"); found {
		t.Error("a session that expired in year 1 is found")
	}
}
