package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestBackendOpensSQLiteURLs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, filepath.Join(dir, "rel.db"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		url         string
		file        string
		busyTimeout time.Duration
	}{
		{"relative path", "sqlite:" + rel, filepath.Join(dir, "rel.db"), DefaultBusyTimeout},
		{"absolute path", "sqlite://" + filepath.Join(dir, "abs.db"), filepath.Join(dir, "abs.db"), DefaultBusyTimeout},
		{"absolute path, one slash", "sqlite:" + filepath.Join(dir, "one.db"), filepath.Join(dir, "one.db"), DefaultBusyTimeout},
		{"query parameters", "sqlite://" + filepath.Join(dir, "q.db") + "?busy_timeout=2s&cleanup_interval=0", filepath.Join(dir, "q.db"), 2 * time.Second},
		{"escaped characters", "sqlite://" + filepath.Join(dir, "a%3Fb%23c%25d.db"), filepath.Join(dir, "a?b#c%d.db"), DefaultBusyTimeout},
		{"upper-case scheme", "SQLITE://" + filepath.Join(dir, "upper.db"), filepath.Join(dir, "upper.db"), DefaultBusyTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.Open(t.Context(), tt.url, Backend)
			if err != nil {
				t.Fatalf("store.Open(%s): %v", tt.url, err)
			}
			defer st.Close()
			if err := st.Commit(t.Context(), "tok", []byte("v"), inHour()); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(tt.file); err != nil {
				t.Errorf("database file not at %s: %v", tt.file, err)
			}
			if got := st.(*Store).busyTimeout; got != tt.busyTimeout {
				t.Errorf("busy timeout = %v, want %v", got, tt.busyTimeout)
			}
		})
	}
}

func TestBackendRejectsBadURLs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, url, want string
	}{
		{"in-memory database", "sqlite::memory:", "in-memory"},
		{"memory URI", "sqlite:file::memory:?cache=shared", "unknown query parameter"},
		{"host", "sqlite://dbhost/x.db", "names a host"},
		{"user info", "sqlite://me:secret@/x.db", "names a host"},
		{"no file", "sqlite:", "names no file"},
		{"no file with slashes", "sqlite://", "names no file"},
		{"unknown parameter", "sqlite://" + dir + "/x.db?cache=shared", "unknown query parameter"},
		{"bad busy timeout", "sqlite://" + dir + "/x.db?busy_timeout=soon", "busy_timeout"},
		{"zero busy timeout", "sqlite://" + dir + "/x.db?busy_timeout=0s", "busy_timeout"},
		{"bad cleanup interval", "sqlite://" + dir + "/x.db?cleanup_interval=often", "cleanup_interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.Open(t.Context(), tt.url, Backend)
			if err == nil {
				st.Close()
				t.Fatalf("store.Open(%s) succeeded", tt.url)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "sqlite: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not start with sqlite: and mention %q", msg, tt.want)
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("error %q shows the URL's password", msg)
			}
		})
	}
}

// Open on a folder that is missing, is a file, or cannot be written fails
// with an error naming the backend and the path.
func TestOpenFailsClearlyOnAnUnusablePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "not-a-database.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("this is not an SQLite file ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "read-only")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		path        string
		want        string
		unavailable bool // matches store.ErrUnavailable
		notExist    bool // matches fs.ErrNotExist
		needNonRoot bool
	}{
		{"missing folder", filepath.Join(dir, "missing", "x.db"), "does not create folders", false, true, false},
		{"folder is a file", filepath.Join(file, "x.db"), "not a folder", false, false, false},
		{"file is not a database", notDB, "not a database", true, false, false},
		{"unwritable folder", filepath.Join(readOnly, "x.db"), "unable to open", true, false, true},
		{"folder even root cannot write", "/proc/kakaologin.db", "unable to open", true, false, false},
		{"empty path", "", "empty path", false, false, false},
		{"in-memory database", ":memory:", "in-memory", false, false, false},
		{"URI instead of a path", "file:x.db?mode=memory", "file: URIs", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needNonRoot && os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			if strings.HasPrefix(tt.path, "/proc/") {
				if _, err := os.Stat("/proc/self"); err != nil {
					t.Skip("no /proc on this system")
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			s, err := Open(ctx, tt.path, WithBusyTimeout(time.Second))
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tt.path)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "sqlite: ") || !strings.Contains(msg, tt.path) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not name the backend, the path %q and %q", msg, tt.path, tt.want)
			}
			if got := errors.Is(err, store.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(err, store.ErrUnavailable) = %v, want %v", got, tt.unavailable)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tt.notExist {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", got, tt.notExist)
			}
		})
	}
}

// Opening an existing file again keeps its data, and a file written by a
// newer schema version is refused instead of misread.
func TestReopenKeepsDataAndChecksTheSchemaVersion(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	ctx := t.Context()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, "tok", []byte("kept"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s2 := openAt(t, path)
	if b, _, err := s2.Find(ctx, "tok"); err != nil || string(b) != "kept" {
		t.Errorf("Find after reopening = %q, %v; want kept", b, err)
	}
	if n := s2.queryInt(t, `SELECT count(*) FROM kakaologin_schema_version`); n != 1 {
		t.Errorf("%d schema version rows after two opens, want 1", n)
	}
	if n := s2.queryInt(t, `SELECT version FROM kakaologin_schema_version`); n != schemaVersion {
		t.Errorf("schema version %d, want %d", n, schemaVersion)
	}
	if _, err := s2.w.ExecContext(ctx, `UPDATE kakaologin_schema_version SET version = ?`, schemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if s3, err := Open(ctx, path); err == nil {
		s3.Close()
		t.Error("Open accepted a file with a newer schema version")
	} else if !errors.Is(err, errSchemaTooNew) || !strings.Contains(err.Error(), path) {
		t.Errorf("Open on a newer schema: err = %v, want errSchemaTooNew naming the path", err)
	}
}

// The file is in WAL mode with the pragmas the package doc promises.
func TestOpenConfiguresTheConnection(t *testing.T) {
	t.Parallel()
	s := openTest(t, WithBusyTimeout(3*time.Second))
	ctx := t.Context()
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	for _, tt := range []struct {
		pragma string
		want   int64
	}{
		{"synchronous", 1}, // NORMAL
		{"foreign_keys", 1},
		{"busy_timeout", busySlice(3 * time.Second).Milliseconds()},
	} {
		if got := s.queryInt(t, "PRAGMA "+tt.pragma); got != tt.want {
			t.Errorf("writer PRAGMA %s = %d, want %d", tt.pragma, got, tt.want)
		}
	}
	var readOnly int64
	if err := s.r.QueryRowContext(ctx, `PRAGMA query_only`).Scan(&readOnly); err != nil || readOnly != 1 {
		t.Errorf("reader query_only = %d, %v; want 1", readOnly, err)
	}
}

func TestURLOptionsOverriddenByNothingUnknown(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"busy_timeout=1s&busy_timeout=2s", "cleanup_interval=-1s"} {
		v, _ := url.ParseQuery(q)
		if _, err := urlOptions(v); err != nil {
			t.Errorf("urlOptions(%s): %v", q, err)
		}
	}
}
