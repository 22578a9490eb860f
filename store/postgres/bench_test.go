package postgres

import (
	"strconv"
	"testing"
)

// benchRecordSize is about the size of a logged-in user's session record.
const benchRecordSize = 400

func BenchmarkFind(b *testing.B) {
	s := openTest(b)
	ctx := b.Context()
	benchRecord := make([]byte, benchRecordSize)
	if err := s.CommitCtx(ctx, "bench-token", benchRecord, inHour()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, found, err := s.FindCtx(ctx, "bench-token"); err != nil || !found {
			b.Fatal(found, err)
		}
	}
}

func BenchmarkCommit(b *testing.B) {
	s := openTest(b)
	ctx := b.Context()
	benchRecord := make([]byte, benchRecordSize)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.CommitCtx(ctx, "bench-token-"+strconv.Itoa(i%1000), benchRecord, inHour()); err != nil {
			b.Fatal(err)
		}
	}
}
