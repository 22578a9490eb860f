package main

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// Issue 11 point 6: a crawler or a flood of cookieless requests cannot
// fill the site's store. 10,000 cookieless views of the home page (which
// renders the password form's CSRF token) store nothing; 1,000 cookieless
// login starts from one address store at most the library's per-client
// bound of sessions, each with its one flow record.
func TestCookielessVisitorsDoNotFillTheStore(t *testing.T) {
	dir := t.TempDir()
	a, _ := startTestSite(t, appConfig{DataDir: dir})
	h := a.Handler()
	serve := func(path string) int {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "198.51.100.20:5555"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM kakaologin_sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for i := range 10000 {
		if code := serve("/"); code != http.StatusOK {
			t.Fatalf("page view %d: %d", i, code)
		}
	}
	if n := rows(); n != 0 {
		t.Fatalf("10,000 cookieless page views stored %d rows", n)
	}
	started := 0
	for range 1000 {
		switch code := serve("/auth/kakao/login"); code {
		case http.StatusFound:
			started++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("login start: %d", code)
		}
	}
	// Sessions and their flow records share the sessions table.
	if n := rows(); started == 0 || started > 60 || n > 2*started {
		t.Fatalf("1,000 cookieless login starts: %d started, %d rows stored", started, n)
	}
}
