package sqlite

import (
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// The SQLite backend passes the conformance suite that every backend
// passes, each subtest on a fresh file.
func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t)
	})
}
