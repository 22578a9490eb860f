package redis

import (
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// TestConformance runs the store conformance suite with a Store of its own
// (its own key prefix) for every subtest, and its cross-instance cases on
// two Stores with one prefix, as two app instances sharing one Redis.
func TestConformance(t *testing.T) {
	serverURL(t)
	storetest.RunWith(t, func(t *testing.T) store.Store { return openTest(t) }, storetest.Options{
		Twin: func(t *testing.T) (a, b store.Store) {
			prefix := freshPrefix(t)
			return openWithPrefix(t, prefix), openWithPrefix(t, prefix)
		},
	})
}

// TestConformanceOneSharedStore runs the suite with every subtest on the
// same Store, as app instances share one Redis.
func TestConformanceOneSharedStore(t *testing.T) {
	s := openTest(t)
	storetest.Run(t, func(*testing.T) store.Store { return s })
}
