package redis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// privateServer is a redis-server of the test's own, on a free port, that
// the test may stop, freeze and restart. The shared server on 6379 is
// never touched.
type privateServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// startPrivateServer starts a redis-server on a free port, skipping the
// test (failing it under CI=true) when there is no redis-server binary.
func startPrivateServer(t *testing.T) *privateServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipOrFail(t, "no redis-server binary for the fault tests: "+err.Error())
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	p := &privateServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *privateServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", p.port) }

// start runs the server and waits until it answers.
func (p *privateServer) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "--port", strconv.Itoa(p.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", p.dir)
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start redis-server: %v", err)
	}
	c := goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", p.port), MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("redis-server on port %d does not answer: %v", p.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the server, as a crash would.
func (p *privateServer) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGCONT) // in case it was frozen
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// signal sends sig to the running server.
func (p *privateServer) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// storeCalls is every I/O method of a Store, for the fault tests.
var storeCalls = []struct {
	name string
	do   func(ctx context.Context, s *Store) error
}{
	{"FindCtx", func(ctx context.Context, s *Store) error { _, _, err := s.FindCtx(ctx, "tok"); return err }},
	{"CommitCtx", func(ctx context.Context, s *Store) error { return s.CommitCtx(ctx, "tok", []byte("x"), inHour()) }},
	{"CompareAndSwap", func(ctx context.Context, s *Store) error {
		_, err := s.CompareAndSwap(ctx, "tok", nil, []byte("x"), inHour())
		return err
	}},
	{"DeleteCtx", func(ctx context.Context, s *Store) error { return s.DeleteCtx(ctx, "tok") }},
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
}

// R8, R20 and the backend-loss items: the server dies mid-use; every call
// fails fast with ErrUnavailable (none hangs, none reports "not found");
// the server comes back on the same port; the same Store works again by
// itself, including the scripts the fresh server has never seen.
func TestServerLossIsUnavailableThenRecovers(t *testing.T) {
	t.Parallel()
	srv := startPrivateServer(t)
	s, err := Open(t.Context(), srv.url())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if err := s.CommitCtx(ctx, "tok", []byte("x"), inHour()); err != nil {
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
				_, _, err := s.FindCtx(ctx, "tok"+strconv.Itoa(i))
				if err != nil && !errors.Is(err, store.ErrUnavailable) {
					t.Errorf("FindCtx while the server dies: %v, want ErrUnavailable", err)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("FindCtx while the server dies took %v", d)
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	srv.stop()
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

	srv.start()
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
	if _, err := rawClient(t, srv.url()).ScriptFlush(ctx).Result(); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"r1", "r2", "r3"} {
		if err := s.CommitCtx(ctx, tok, []byte("x"), inHour()); err != nil {
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
		if err := s.CommitCtx(ctx, tok, []byte("back"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Errorf("CommitCtx(%s) after RevokeUser: err = %v, want ErrRevoked", tok, err)
		}
	}
}

// R15: a server that accepts connections but does not answer (frozen with
// SIGSTOP) cannot hang a request: the request's deadline ends the call,
// and without one the read timeout does, both as ErrUnavailable.
func TestFrozenServerCannotHangCalls(t *testing.T) {
	t.Parallel()
	srv := startPrivateServer(t)
	s, err := Open(t.Context(), srv.url())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv.signal(syscall.SIGSTOP)
	defer srv.signal(syscall.SIGCONT)

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = s.FindCtx(ctx, "tok")
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("FindCtx with a deadline: err = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("FindCtx with a 300ms deadline took %v", d)
	}

	start = time.Now()
	err = s.CommitCtx(t.Context(), "tok", []byte("x"), inHour())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CommitCtx without a deadline: err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("CommitCtx without a deadline took %v", d)
	}

	srv.signal(syscall.SIGCONT)
	deadline := time.Now().Add(15 * time.Second)
	for s.Ping(t.Context()) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the Store did not recover after the server thawed")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
