package mysql

import (
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

func BenchmarkSessions(b *testing.B) {
	storetest.Benchmark(b, func(b *testing.B) store.Sessions { return openTest(b) })
}
