package sqlite

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// The SQLite backend passes the conformance suite that every backend
// passes, each subtest on a fresh file, and its cross-instance cases on two
// Stores sharing one file, as two app processes on one machine do.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.RunWith(t, func(t *testing.T) store.Store {
		return openTest(t)
	}, storetest.Options{Twin: func(t *testing.T) (a, b store.Store) {
		path := tempPath(t)
		return openAt(t, path), openAt(t, path)
	}})
}

// Every expiry decision uses the Store's clock (WithClock), so the cases
// that need exact time run on a fake one.
func TestConformanceOnAFakeClock(t *testing.T) {
	t.Parallel()
	storetest.RunClocked(t, func(t *testing.T, now func() time.Time) store.Store {
		return openTest(t, WithClock(now), WithCleanupInterval(0))
	})
}
