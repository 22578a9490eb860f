package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// benchRecordSize is about the size of a logged-in user's session record.
const benchRecordSize = 400

// Benchmark measures the Sessions role of a backend, with a record the
// size of a logged-in user's: Find, Find from many goroutines (as a busy
// app instance calls it), Commit over a thousand tokens, and
// CompareAndSwap. open is called once per sub-benchmark and must arrange
// the store's Close with b.Cleanup.
func Benchmark(b *testing.B, open func(b *testing.B) store.Sessions) {
	expiry := time.Now().Add(time.Hour)
	b.Run("Find", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		if err := s.Commit(ctx, "bench-token", make([]byte, benchRecordSize), expiry); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, found, err := s.Find(ctx, "bench-token"); err != nil || !found {
				b.Fatal(found, err)
			}
		}
	})
	b.Run("FindParallel", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		if err := s.Commit(ctx, "bench-token", make([]byte, benchRecordSize), expiry); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, found, err := s.Find(ctx, "bench-token"); err != nil || !found {
					b.Error(found, err)
					return
				}
			}
		})
	})
	b.Run("Commit", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		record := make([]byte, benchRecordSize)
		tokens := make([]string, 1000)
		for i := range tokens {
			tokens[i] = "bench-token-" + strconv.Itoa(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if err := s.Commit(ctx, tokens[i%len(tokens)], record, expiry); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CompareAndSwap", func(b *testing.B) {
		s := open(b)
		ctx := b.Context()
		cur, next := make([]byte, benchRecordSize), make([]byte, benchRecordSize)
		next[0] = 1
		if err := s.Commit(ctx, "bench-token", cur, expiry); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			ok, err := s.CompareAndSwap(ctx, "bench-token", cur, next, expiry)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
			cur, next = next, cur
		}
	})
}
