package memory_test

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/internal/leaktest"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func TestMain(m *testing.M) {
	leaktest.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := memory.New(memory.WithCleanupInterval(100 * time.Millisecond))
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

// TestConformanceOneSharedStore runs the suite with every subtest on the
// same store, as suites do against a shared server.
func TestConformanceOneSharedStore(t *testing.T) {
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	storetest.Run(t, func(*testing.T) store.Store { return s })
}

// TestConformanceOnAFakeClock runs the cases that need exact time, on the
// clock given with WithNow.
func TestConformanceOnAFakeClock(t *testing.T) {
	storetest.RunClocked(t, func(t *testing.T, now func() time.Time) store.Store {
		s := memory.New(memory.WithNow(now), memory.WithCleanupInterval(0))
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
