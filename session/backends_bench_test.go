package session_test

import (
	"testing"

	"github.com/kakaologin/kakaologin/internal/sessionbench"
	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

// BenchmarkBackendMemory measures the bare Gin floor and, over the memory
// store, a read-only authenticated request and a request that saves a
// change. The other backends run the same benchmark in their own modules
// (BenchmarkSession in store/sqlite, store/redis, store/postgres).
func BenchmarkBackendMemory(b *testing.B) {
	sessionbench.Run(b, func(b *testing.B) store.Store {
		st := memory.New()
		b.Cleanup(func() { st.Close() })
		return st
	})
}
