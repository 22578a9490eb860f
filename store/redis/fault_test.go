package redis

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/internal/redisproc"
	"github.com/kakaologin/kakaologin/store"
)

// storeCalls is every I/O method of a Store, for the fault tests.
var storeCalls = []struct {
	name string
	do   func(ctx context.Context, s *Store) error
}{
	{"Find", func(ctx context.Context, s *Store) error { _, _, err := s.Find(ctx, "tok"); return err }},
	{"Commit", func(ctx context.Context, s *Store) error { return s.Commit(ctx, "tok", []byte("x"), inHour()) }},
	{"CompareAndSwap", func(ctx context.Context, s *Store) error {
		_, err := s.CompareAndSwap(ctx, "tok", nil, []byte("x"), inHour())
		return err
	}},
	{"Delete", func(ctx context.Context, s *Store) error { return s.Delete(ctx, "tok") }},
	{"AddUserSession", func(ctx context.Context, s *Store) error { return s.AddUserSession(ctx, "u", "tok", inHour()) }},
	{"RemoveUserSession", func(ctx context.Context, s *Store) error { return s.RemoveUserSession(ctx, "u", "tok") }},
	{"UserSessions", func(ctx context.Context, s *Store) error { _, err := s.UserSessions(ctx, "u"); return err }},
	{"RevokeUser", func(ctx context.Context, s *Store) error { _, err := s.RevokeUser(ctx, "u"); return err }},
	{"TryLock", func(ctx context.Context, s *Store) error { _, _, err := s.TryLock(ctx, "l", time.Minute); return err }},
	{"Unlock", func(ctx context.Context, s *Store) error { return s.Unlock(ctx, "l", "f") }},
	{"Link", func(ctx context.Context, s *Store) error {
		_, err := s.Links().Link(ctx, store.Link{KakaoID: 1, UserID: "u"})
		return err
	}},
	{"ByKakaoID", func(ctx context.Context, s *Store) error { _, err := s.Links().ByKakaoID(ctx, 1); return err }},
	{"ByUserID", func(ctx context.Context, s *Store) error { _, err := s.Links().ByUserID(ctx, "u"); return err }},
	{"Unlink", func(ctx context.Context, s *Store) error { _, err := s.Links().Unlink(ctx, 1); return err }},
	{"Ping", func(ctx context.Context, s *Store) error { return s.Ping(ctx) }},
	{"Enqueue", func(ctx context.Context, s *Store) error { _, err := s.Enqueue(ctx, "q", []byte("x")); return err }},
	{"Claim", func(ctx context.Context, s *Store) error { _, err := s.Claim(ctx, "q", 1, time.Minute); return err }},
	{"Ack", func(ctx context.Context, s *Store) error {
		return s.Ack(ctx, store.Message{ID: "1", Topic: "q", Lease: "l"})
	}},
}

// R8, R20 and the backend-loss items: the server dies mid-use; every call
// fails fast with ErrUnavailable (none hangs, none reports "not found");
// the server comes back on the same port; the same Store works again by
// itself, including the scripts the fresh server has never seen.
func TestServerLossIsUnavailableThenRecovers(t *testing.T) {
	t.Parallel()
	srv := redisproc.Start(t)
	s, err := Open(t.Context(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.Commit(ctx, "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}

	// Kill the server while 20 goroutines are using the store.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 20 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				_, _, err := s.Find(ctx, "tok"+strconv.Itoa(i))
				if err != nil && !errors.Is(err, store.ErrUnavailable) {
					t.Errorf("Find while the server dies: %v, want ErrUnavailable", err)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("Find while the server dies took %v", d)
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	srv.Stop()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()

	for _, c := range storeCalls {
		start := time.Now()
		err := c.do(ctx, s)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with the server down: err = %v, want ErrUnavailable", c.name, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s with the server down took %v to fail", c.name, d)
		}
	}

	srv.Restart()
	deadline := time.Now().Add(15 * time.Second)
	for s.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("the Store did not recover after the server came back: %v", s.Ping(ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, c := range storeCalls {
		if err := c.do(ctx, s); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrRevoked) {
			t.Errorf("%s after recovery: %v", c.name, err)
		}
	}
	// RevokeUser's pipelined delete script meets a server that has not
	// cached it yet (NOSCRIPT) and still ends every session.
	if _, err := rawClient(t, srv.URL()).ScriptFlush(ctx).Result(); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"r1", "r2", "r3"} {
		if err := s.Commit(ctx, tok, []byte("x"), inHour()); err != nil {
			t.Fatal(err)
		}
		if err := s.AddUserSession(ctx, "carol", tok, inHour()); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.RevokeUser(ctx, "carol"); err != nil || n != 3 {
		t.Errorf("RevokeUser after SCRIPT FLUSH = %d, %v; want 3, nil", n, err)
	}
	for _, tok := range []string{"r1", "r2", "r3"} {
		if err := s.Commit(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("Commit(%s) after RevokeUser: err = %v, want ErrRevoked", tok, err)
		}
	}
}

// R15: a server that accepts connections but does not answer (frozen with
// SIGSTOP) cannot hang a request: the request's deadline ends the call,
// and without one the read timeout does, both as ErrUnavailable.
func TestFrozenServerCannotHangCalls(t *testing.T) {
	t.Parallel()
	srv := redisproc.Start(t)
	s, err := Open(t.Context(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.Signal(syscall.SIGSTOP)
	defer srv.Signal(syscall.SIGCONT)

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = s.Find(ctx, "tok")
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Find with a deadline: err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Find with a 300ms deadline took %v", d)
	}

	start = time.Now()
	err = s.Commit(t.Context(), "tok", []byte("x"), inHour())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Commit without a deadline: err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("Commit without a deadline took %v", d)
	}

	srv.Signal(syscall.SIGCONT)
	deadline := time.Now().Add(15 * time.Second)
	for s.Ping(t.Context()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the Store did not recover after the server thawed")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
