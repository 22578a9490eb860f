package sqlite

import (
	"strconv"
	"testing"
)

// benchRecordSize is about the size of a logged-in user's session record.
const benchRecordSize = 400

func BenchmarkFindCtx(b *testing.B) {
	s := openTest(b)
	ctx := b.Context()
	record := make([]byte, benchRecordSize)
	if err := s.CommitCtx(ctx, "bench-token", record, inHour()); err != nil {
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
	s := openTest(b)
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
	s := openTest(b)
	ctx := b.Context()
	record := make([]byte, benchRecordSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.CommitCtx(ctx, "bench-token-"+strconv.Itoa(i%1000), record, inHour()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompareAndSwap(b *testing.B) {
	s := openTest(b)
	ctx := b.Context()
	a, c := make([]byte, benchRecordSize), make([]byte, benchRecordSize)
	c[0] = 1
	if err := s.CommitCtx(ctx, "bench-token", a, inHour()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, err := s.CompareAndSwap(ctx, "bench-token", a, c, inHour())
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		a, c = c, a
	}
}
