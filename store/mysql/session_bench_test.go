package mysql

import (
	"testing"

	"github.com/kakaologin/kakaologin/internal/sessionbench"
	"github.com/kakaologin/kakaologin/store"
)

// BenchmarkSession measures the session middleware over MySQL/MariaDB
// beside the bare-Gin floor of the same run (see BENCHMARKS.md).
func BenchmarkSession(b *testing.B) {
	sessionbench.Run(b, func(b *testing.B) store.Store { return openTest(b) })
}
