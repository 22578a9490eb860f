package memory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

func TestBackendOpensMemoryURLs(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string // empty: opens
	}{
		{"memory:", ""},
		{"MEMORY:", ""},
		{"memory://", ""},
		{"memory:?cleanup_interval=30s", ""},
		{"memory:?cleanup_interval=0", ""},
		{"memory://host", "must be just"},
		{"memory:some/path", "must be just"},
		{"memory://user:secret@/", "must be just"},
		{"memory:?cleanup_interval=soon", "cleanup_interval"},
		{"memory:?cleanup_interval=1s&cleanup_interval=2s", "repeated"},
		{"memory:?size=10", `unknown or repeated URL parameter "size"`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := store.Open(t.Context(), tt.url, memory.Backend)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer s.Close()
				if err := s.Ping(t.Context()); err != nil {
					t.Errorf("Ping: %v", err)
				}
				return
			}
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("err = %v shows the password", err)
			}
		})
	}
}

func TestBackendHonoursCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := store.Open(ctx, "memory:", memory.Backend); err == nil {
		s.Close()
		t.Fatal("Open with a canceled context succeeded")
	}
}

func TestOpenedStoresAreIndependent(t *testing.T) {
	ctx := t.Context()
	a, err := store.Open(ctx, "memory:", memory.Backend)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, "memory:", memory.Backend)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Commit(ctx, "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := b.Find(ctx, "tok"); found {
		t.Error("a session committed to one memory store is visible in another")
	}
}
