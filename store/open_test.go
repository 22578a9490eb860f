package store_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/memory"
)

func TestOpenPicksTheBackendOfTheScheme(t *testing.T) {
	var opened []string
	fake := func(name string) store.Backend {
		return store.Backend{
			Schemes: []string{name, name + "s"},
			Open: func(ctx context.Context, u *url.URL) (store.Store, error) {
				opened = append(opened, u.String())
				return memory.New(), nil
			},
		}
	}
	tests := []struct {
		url  string
		want string
	}{
		{"memory:", ""}, // memory.Backend itself, not a fake
		{"alpha://host/0", "alpha://host/0"},
		{"ALPHAS://host/0", "alphas://host/0"},
		{"beta:file.db", "beta:file.db"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			opened = nil
			st, err := store.Open(t.Context(), tt.url, memory.Backend, fake("alpha"), fake("beta"))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer st.Close()
			if err := st.Ping(t.Context()); err != nil {
				t.Errorf("Ping: %v", err)
			}
			if tt.want == "" && len(opened) != 0 || tt.want != "" && (len(opened) != 1 || opened[0] != tt.want) {
				t.Errorf("fake backends opened %q, want %q", opened, tt.want)
			}
		})
	}
}

func TestOpenPassesBackendErrorsThrough(t *testing.T) {
	boom := errors.New("boom")
	b := store.Backend{Schemes: []string{"x"}, Open: func(context.Context, *url.URL) (store.Store, error) {
		return nil, boom
	}}
	if _, err := store.Open(t.Context(), "x://h", b); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the backend's error", err)
	}
}

func TestOpenRejectsBadURLsWithoutShowingPasswords(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		backends []store.Backend
		want     []string // substrings the error must contain
	}{
		{"unknown scheme", "redis://app:s3cr3t@cache:6379/0", []store.Backend{memory.Backend}, []string{`"redis"`}},
		{"no backends at all", "memory:", nil, []string{`"memory"`}},
		{"no scheme", "//app:s3cr3t@db/app", []store.Backend{memory.Backend}, []string{"no scheme"}},
		{"empty URL", "", []store.Backend{memory.Backend}, []string{"no scheme"}},
		{"unparsable URL", "postgres://app:s3cr3t@db:bad port/app", []store.Backend{memory.Backend}, []string{"bad store URL"}},
		{"control character", "postgres://app:s3cr3t@db/\x7f\x00", []store.Backend{memory.Backend}, []string{"bad store URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.Open(t.Context(), tt.url, tt.backends...)
			if err == nil {
				st.Close()
				t.Fatal("Open succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("err = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("err = %q shows the password", err)
			}
		})
	}
}

// TestOpenUnknownSchemeListsKnownSchemes: an operator who mistypes
// STORE_URL should see which schemes the program can open.
func TestOpenUnknownSchemeListsKnownSchemes(t *testing.T) {
	other := store.Backend{Schemes: []string{"redis", "rediss"}}
	_, err := store.Open(t.Context(), "postgres://db/app", memory.Backend, other)
	if err == nil {
		t.Fatal("Open succeeded, want an error")
	}
	for _, s := range []string{"memory", "redis", "rediss"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err = %q, want it to list known scheme %q", err, s)
		}
	}
}

// FuzzOpen checks that no store URL makes Open panic, and that an error
// never shows a user-info password of the URL.
func FuzzOpen(f *testing.F) {
	for _, s := range []string{
		"memory:", "memory:?cleanup_interval=1s", "redis://:pw12@h/0", "//u:pw12@h/db",
		"postgres://u:pw12@h:bad/db", "memory://u:pw12@h", "%zz", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		st, err := store.Open(context.Background(), raw, memory.Backend)
		if err == nil {
			st.Close()
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil || u.User == nil {
			return
		}
		pw, ok := u.User.Password()
		if !ok || len(pw) < 4 {
			return
		}
		// The same text may stand elsewhere in the URL, or form with the
		// characters around the masked password ("//:pw12@0pw12",
		// "//:@0pm@0pm"), where an error may show it: that is not the
		// password leaking. A user name that contains the password must be
		// masked too ("//pw12:pw12@").
		masked := *u
		masked.User = url.UserPassword("xxxxx", "xxxxx")
		if strings.Contains(masked.String(), pw) {
			return
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("Open(%q) error %q shows the password", raw, err)
		}
	})
}
