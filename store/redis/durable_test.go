package redis

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/internal/redisproc"
	"github.com/kakaologin/kakaologin/session"
	"github.com/kakaologin/kakaologin/store"
)

// Issue 13 (SECURITY C118): the replica count and replication ID that
// decide whether a revocation waits for a replica are read from INFO
// replication as Redis writes it; a replica's answer or a server hiding
// the field counts as no replica, and a garbled count is an error.
func TestParseReplication(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, info string
		n          int
		id         string
		err        bool
	}{
		{"master with a replica", "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=6381,state=online\r\nmaster_replid:4f2a\r\nmaster_repl_offset:42\r\n", 1, "4f2a", false},
		{"master alone", "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_replid:9c\r\n", 0, "9c", false},
		{"replica", "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n", 0, "", false},
		{"empty", "", 0, "", false},
		{"garbled count", "connected_slaves:x\r\n", 0, "", true},
		{"negative count", "connected_slaves:-2\r\n", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, id, err := parseReplication(tt.info)
			if (err != nil) != tt.err || n != tt.n || id != tt.id {
				t.Fatalf("parseReplication = %d, %q, %v; want %d, %q, error %v", n, id, err, tt.n, tt.id, tt.err)
			}
		})
	}
}

// Issue 13: the WAIT timeout stays below the client's read timeout, so
// that WAIT's answer arrives before the client gives up on it.
func TestReplicaWait(t *testing.T) {
	t.Parallel()
	tests := []struct{ read, want time.Duration }{
		{-1, DefaultReplicaWait},
		{0, DefaultReplicaWait},
		{2 * time.Second, DefaultReplicaWait},
		{300 * time.Millisecond, 150 * time.Millisecond},
		{time.Microsecond, time.Millisecond},
	}
	for _, tt := range tests {
		if got := replicaWait(DefaultReplicaWait, tt.read); got != tt.want {
			t.Errorf("replicaWait(%v) = %v, want %v", tt.read, got, tt.want)
		}
	}
}

// Issue 13, SECURITY C118: when the replica of a private master+replica
// pair is frozen (SIGSTOP: it stays connected but confirms nothing),
// Delete, RevokeUser and Unlink fail within about replica_wait with
// ErrNotReplicated, which matches store.ErrUnavailable, and a logout
// through the session middleware is answered 503; once the replica thaws,
// the same calls repeated succeed, and new ones too.
func TestUnconfirmedRevocationsAreRefused(t *testing.T) {
	t.Parallel()
	master, replica := redisproc.Start(t), redisproc.Start(t)
	ctx := t.Context()
	begin := time.Now()
	mc := rawClient(t, master.URL())
	// The first sync starts at once rather than after the default 5 s.
	if err := mc.ConfigSet(ctx, "repl-diskless-sync-delay", "0").Err(); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(master.Addr())
	if err := rawClient(t, replica.URL()).ReplicaOf(ctx, host, port).Err(); err != nil {
		t.Fatal(err)
	}
	// synced waits until the replica confirms a write: one that has just
	// loaded the master's data gets the stream of writes only after its
	// first confirmation, up to a second later.
	synced := func() {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			// Until a replica attaches, writes do not advance the
			// replication offset, and WAIT, which waits for the writes of
			// its own connection (so both go on one), has nothing to
			// wait for.
			info, err := mc.Info(ctx, "replication").Result()
			if err == nil && infoField(info, "connected_slaves") == "1" {
				pipe := mc.Pipeline()
				pipe.Incr(ctx, "synced")
				wait := goredis.NewIntCmd(ctx, "wait", 1, 200)
				_ = pipe.Process(ctx, wait)
				if _, err := pipe.Exec(ctx); err == nil && wait.Val() == 1 {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the replica did not sync with the master")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	synced()
	t.Logf("replica in sync after %v", time.Since(begin).Round(time.Millisecond))
	s, err := Open(ctx, master.URL()+"?replica_wait=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	newSession := func(tok, user string) {
		t.Helper()
		if err := s.Commit(ctx, tok, []byte("x"), inHour()); err != nil {
			t.Fatal(err)
		}
		if user != "" {
			if err := s.AddUserSession(ctx, user, tok, inHour()); err != nil {
				t.Fatal(err)
			}
		}
	}
	link := func(kakaoID int64, user string) {
		t.Helper()
		if _, err := s.Links().Link(ctx, store.Link{KakaoID: kakaoID, UserID: user}); err != nil {
			t.Fatal(err)
		}
	}
	newSession("warm-up", "")
	if err := confirmed(t, func() error { return s.Delete(ctx, "warm-up") }); err != nil {
		t.Fatalf("Delete with the replica in sync: %v", err)
	}
	// Refused while the replica is frozen, then repeated: t1, u1, link 1.
	// Made once it is back: t2, u2, link 2.
	newSession("t1", "")
	newSession("t1a", "u1")
	newSession("t1b", "u1")
	link(1, "linked-1")
	newSession("t2", "")
	newSession("t2a", "u2")
	link(2, "linked-2")
	e := newLogoutEnv(t, s)
	cookie1, cookie2 := e.login(), e.login()
	synced()

	replica.Signal(syscall.SIGSTOP)
	refused := func(what string, err error, took time.Duration) {
		t.Helper()
		if !errors.Is(err, ErrNotReplicated) || !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the replica frozen: err = %v, want ErrNotReplicated and store.ErrUnavailable", what, err)
		}
		if took > 5*time.Second {
			t.Errorf("%s with the replica frozen took %v (replica_wait is 300ms)", what, took)
		}
	}
	start := time.Now()
	refused("Delete", s.Delete(ctx, "t1"), time.Since(start))
	start = time.Now()
	_, err = s.RevokeUser(ctx, "u1")
	refused("RevokeUser", err, time.Since(start))
	start = time.Now()
	_, err = s.Links().Unlink(ctx, 1)
	refused("Unlink", err, time.Since(start))
	if res := e.do(http.MethodPost, "/logout", cookie1); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("logout with the replica frozen: status %d %q, want 503", res.StatusCode, body(res))
	}

	replica.Signal(syscall.SIGCONT)
	thawed := time.Now()
	// The replica catches up; the refused calls, repeated, succeed (the
	// unlink reached the master, so the link is gone already), and new
	// ones too.
	if err := confirmed(t, func() error { return s.Delete(ctx, "t1") }); err != nil {
		t.Fatalf("Delete repeated after the replica thawed: %v", err)
	}
	t.Logf("thaw → Delete confirmed: %v", time.Since(thawed).Round(time.Millisecond))
	if err := confirmed(t, func() error { _, err := s.RevokeUser(ctx, "u1"); return err }); err != nil {
		t.Errorf("RevokeUser repeated after the replica thawed: %v", err)
	}
	if err := confirmed(t, func() error { _, err := s.Links().Unlink(ctx, 1); return err }); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Unlink repeated after the replica thawed: %v", err)
	}
	if err := confirmed(t, func() error { return s.Delete(ctx, "t2") }); err != nil {
		t.Errorf("Delete after the replica thawed: %v", err)
	}
	if err := confirmed(t, func() error { _, err := s.RevokeUser(ctx, "u2"); return err }); err != nil {
		t.Errorf("RevokeUser after the replica thawed: %v", err)
	}
	tries := 0
	if err := confirmed(t, func() error { tries++; _, err := s.Links().Unlink(ctx, 2); return err }); err != nil &&
		(tries == 1 || !errors.Is(err, store.ErrNotFound)) { // a refused try may have ended it
		t.Errorf("Unlink after the replica thawed: %v", err)
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		res := e.do(http.MethodPost, "/logout", cookie2)
		if res.StatusCode == http.StatusOK {
			break
		}
		if res.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("logout after the replica thawed: status %d %q", res.StatusCode, body(res))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, tok := range []string{"t1", "t1a", "t1b", "t2", "t2a"} {
		if err := s.Commit(ctx, tok, []byte("y"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("Commit(%s) after its revocation: %v, want ErrRevoked", tok, err)
		}
	}
	for _, id := range []int64{1, 2} {
		if l, err := s.Links().ByKakaoID(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("ByKakaoID(%d) after the unlink = %+v, %v; want ErrNotFound", id, l, err)
		}
	}
}

// confirmed calls call until it no longer fails with ErrNotReplicated (a
// replica in sync may still be slow to confirm on a loaded machine), for
// at most 15 s, and returns its last error.
func confirmed(t *testing.T, call func() error) error {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := call()
		if !errors.Is(err, ErrNotReplicated) || time.Now().After(deadline) {
			return err
		}
		t.Logf("not confirmed yet, again: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
}

// newLogoutEnv serves /login and /logout through the session middleware
// over s; /logout answers 503 when the store is unavailable, 500 on any
// other error.
func newLogoutEnv(t *testing.T, s *Store) *sessionEnv {
	m, r := sessionEngine(t, s)
	r.POST("/login", func(c *gin.Context) {
		if err := m.LogIn(c, &session.Login{KakaoID: 2718281828, UserID: "user-e", LoggedInAt: time.Now()}, nil); err != nil {
			c.String(http.StatusServiceUnavailable, "login failed")
			return
		}
		c.String(http.StatusOK, "logged in")
	})
	r.POST("/logout", func(c *gin.Context) {
		err := m.LogOut(c)
		switch {
		case errors.Is(err, store.ErrUnavailable):
			c.String(http.StatusServiceUnavailable, "try again")
		case err != nil:
			c.String(http.StatusInternalServerError, "logout: %v", err)
		default:
			c.String(http.StatusOK, "logged out")
		}
	})
	return &sessionEnv{t: t, r: r}
}
