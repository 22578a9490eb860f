package sqlite

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"
)

// Any byte string is a valid token and any byte string valid data: what
// Commit stores, Find returns byte for byte, and CompareAndSwap
// compares byte for byte.
func FuzzCommitFindRoundTrip(f *testing.F) {
	for _, seed := range [][2]string{
		{"tok", "data"}, {"", ""}, {"\x00", "\x00\xff"}, {"a'b\"c", "%?#"}, {"\xff\xfe", "é"},
	} {
		f.Add(seed[0], []byte(seed[1]))
	}
	s := openTest(f, WithCleanupInterval(0))
	f.Fuzz(func(t *testing.T, token string, data []byte) {
		ctx := context.Background()
		if err := s.Commit(ctx, token, data, time.Now().Add(time.Hour)); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		got, found, err := s.Find(ctx, token)
		if err != nil || !found || !bytes.Equal(got, data) || got == nil {
			t.Fatalf("Find = %q, %v, %v; want %q", got, found, err, data)
		}
		other := append(bytes.Clone(data), 0)
		if ok, err := s.CompareAndSwap(ctx, token, other, []byte("x"), time.Now().Add(time.Hour)); err != nil || ok {
			t.Fatalf("CompareAndSwap with a longer old = %v, %v; want false", ok, err)
		}
		if ok, err := s.CompareAndSwap(ctx, token, bytes.Clone(data), []byte("x"), time.Now().Add(time.Hour)); err != nil || !ok {
			t.Fatalf("CompareAndSwap with the stored old = %v, %v; want true", ok, err)
		}
	})
}

// parseURL never panics, and whatever it accepts names a file and no host.
func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"sqlite:x.db", "sqlite:///abs/x.db", "sqlite::memory:", "sqlite://h/x", "sqlite:x.db?busy_timeout=1s",
		"sqlite:%zz", "sqlite:x.db?cleanup_interval=-1h&busy_timeout=1ns",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		path, opts, err := parseURL(u)
		if err != nil {
			return
		}
		if path == "" || u.Host != "" {
			t.Fatalf("parseURL(%q) accepted path %q host %q", raw, path, u.Host)
		}
		cfg := defaultConfig()
		for _, o := range opts {
			o(&cfg)
		}
		if cfg.busyTimeout < time.Millisecond {
			t.Fatalf("parseURL(%q) gave busy timeout %v", raw, cfg.busyTimeout)
		}
	})
}
