package mysql

import (
	"sync/atomic"
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// TestConformance runs the store conformance suite with every subtest on
// one Store (one table prefix), as app instances share one database, and
// its cross-instance cases on two Stores (two pools) on one prefix. The
// suite names everything randomly, so subtests do not collide.
func TestConformance(t *testing.T) {
	s := openTest(t)
	storetest.RunWith(t, func(*testing.T) store.Store { return s }, storetest.Options{
		Twin: func(t *testing.T) (a, b store.Store) {
			prefix := freshPrefix(t)
			return openIn(t, prefix), openIn(t, prefix)
		},
	})
}

// TestConformanceTwoInstances runs the suite with subtests alternating
// between two Stores on the same tables, so that what one instance writes
// the other must honour.
func TestConformanceTwoInstances(t *testing.T) {
	prefix := freshPrefix(t)
	a, b := openIn(t, prefix), openIn(t, prefix)
	var n atomic.Int64
	storetest.Run(t, func(*testing.T) store.Store {
		if n.Add(1)%2 == 0 {
			return b
		}
		return a
	})
}
