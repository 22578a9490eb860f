package storetest_test

import (
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// openMemory returns a fresh memory store, closed at cleanup.
func openMemory(t *testing.T) *memory.Store {
	t.Helper()
	s := memory.New()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestEachRoleRunsOnItsOwn runs each role's part of the suite with only
// that role in hand, as a backend of some roles would.
func TestEachRoleRunsOnItsOwn(t *testing.T) {
	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		storetest.RunSessions(t, func(t *testing.T) store.Sessions { return openMemory(t) })
	})
	t.Run("UserIndex", func(t *testing.T) {
		t.Parallel()
		storetest.RunUserIndex(t, func(t *testing.T) store.SessionStore { return openMemory(t) })
	})
	t.Run("Locks", func(t *testing.T) {
		t.Parallel()
		storetest.RunLocks(t, func(t *testing.T) store.Locker { return openMemory(t) })
	})
	t.Run("Links", func(t *testing.T) {
		t.Parallel()
		storetest.RunLinks(t, func(t *testing.T) store.Links { return openMemory(t).Links() })
	})
	t.Run("Outbox", func(t *testing.T) {
		t.Parallel()
		storetest.RunOutbox(t, func(t *testing.T) store.Outbox { return openMemory(t) })
	})
}

// TestFaultyOnAFakeClockPassesTheClockedSuite: the wrapper changes no
// timing either.
func TestFaultyOnAFakeClockPassesTheClockedSuite(t *testing.T) {
	storetest.RunClocked(t, func(t *testing.T, now func() time.Time) store.Store {
		f := storetest.NewFaulty(memory.New(memory.WithNow(now), memory.WithCleanupInterval(0)))
		t.Cleanup(func() { _ = f.Close() })
		return f
	})
}
