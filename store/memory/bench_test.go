package memory_test

import (
	"strconv"
	"testing"

	"github.com/kakaologin/kakaologin/store/memory"
)

// benchRecordSize is about the size of a logged-in user's session record.
const benchRecordSize = 400

func BenchmarkFindCtx(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := b.Context()
	if err := s.CommitCtx(ctx, "bench-token", make([]byte, benchRecordSize), inHour()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.FindCtx(ctx, "bench-token"); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

func BenchmarkFindCtxParallel(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := b.Context()
	if err := s.CommitCtx(ctx, "bench-token", make([]byte, benchRecordSize), inHour()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, found, err := s.FindCtx(ctx, "bench-token"); err != nil || !found {
				b.Error(found, err)
				return
			}
		}
	})
}

func BenchmarkCommitCtx(b *testing.B) {
	s := memory.New()
	defer s.Close()
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
		if err := s.CommitCtx(ctx, tokens[i%len(tokens)], record, inHour()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompareAndSwap(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := b.Context()
	recs := [2][]byte{make([]byte, benchRecordSize), make([]byte, benchRecordSize)}
	recs[1][0] = 1
	if err := s.CommitCtx(ctx, "bench-token", recs[0], inHour()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ok, err := s.CompareAndSwap(ctx, "bench-token", recs[i%2], recs[(i+1)%2], inHour())
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		i++
	}
}
