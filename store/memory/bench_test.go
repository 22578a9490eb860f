package memory_test

import (
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func BenchmarkSessions(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Sessions {
		s := memory.New()
		b.Cleanup(func() { _ = s.Close() })
		return s
	})
}
