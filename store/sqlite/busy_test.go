package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// holdWriteLock takes the file's write lock on a connection of its own,
// as another process writing would, and returns the function that
// releases it.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db := rawDB(t, path)
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE on the second connection: %v", err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("ROLLBACK: %v", err)
		}
		conn.Close()
	}
	t.Cleanup(release)
	return release
}

// writeOps are the writing operations of a Store, each on its own keys.
var writeOps = []struct {
	name string
	run  func(ctx context.Context, s *Store, key string) error
}{
	{"Commit", func(ctx context.Context, s *Store, key string) error {
		return s.Commit(ctx, key, []byte("v"), inHour())
	}},
	{"CompareAndSwap", func(ctx context.Context, s *Store, key string) error {
		_, err := s.CompareAndSwap(ctx, key, nil, []byte("v"), inHour())
		return err
	}},
	{"Delete", func(ctx context.Context, s *Store, key string) error {
		return s.Delete(ctx, key)
	}},
	{"AddUserSession", func(ctx context.Context, s *Store, key string) error {
		return s.AddUserSession(ctx, "user-"+key, key, inHour())
	}},
	{"RevokeUser", func(ctx context.Context, s *Store, key string) error {
		_, err := s.RevokeUser(ctx, "user-"+key)
		return err
	}},
	{"TryLock", func(ctx context.Context, s *Store, key string) error {
		_, _, err := s.TryLock(ctx, key, time.Minute)
		return err
	}},
	{"Link", func(ctx context.Context, s *Store, key string) error {
		_, err := s.Links().Link(ctx, store.Link{KakaoID: int64(len(key)) + time.Now().UnixNano(), UserID: key})
		return err
	}},
}

// lockedStores opens one Store per write operation, each on its own file
// whose write lock another connection holds, and returns them with the
// functions that release the locks. Each operation gets a file of its own
// so that the operations, run at once, do not queue behind each other.
func lockedStores(t *testing.T, opts ...Option) (stores []*Store, paths []string, releases []func()) {
	t.Helper()
	for range writeOps {
		path := tempPath(t)
		stores = append(stores, openAt(t, path, opts...))
		paths = append(paths, path)
		releases = append(releases, holdWriteLock(t, path))
	}
	return stores, paths, releases
}

// runAll runs every write operation at once, operation i on stores[i],
// and returns their errors, durations and the moments they returned.
func runAll(t *testing.T, stores []*Store, key string) (errs []error, took []time.Duration, ended []time.Time) {
	t.Helper()
	errs, took, ended = make([]error, len(writeOps)), make([]time.Duration, len(writeOps)), make([]time.Time, len(writeOps))
	var wg sync.WaitGroup
	for i, op := range writeOps {
		wg.Go(func() {
			start := time.Now()
			errs[i] = op.run(t.Context(), stores[i], key)
			ended[i] = time.Now()
			took[i] = ended[i].Sub(start)
		})
	}
	wg.Wait()
	return errs, took, ended
}

// R14: a write that finds the database locked by another connection waits
// and retries, and succeeds once the lock is released within the busy
// timeout.
func TestWriteWaitsForALockReleasedWithinTheBusyTimeout(t *testing.T) {
	t.Parallel()
	stores, _, releases := lockedStores(t, WithBusyTimeout(5*time.Second))
	const hold = 600 * time.Millisecond
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(hold)
		// The moment the first lock goes: no operation may return before
		// it (each operation's own start may come later on a busy machine).
		released <- time.Now()
		for _, release := range releases {
			release()
		}
	}()
	errs, _, ended := runAll(t, stores, "k")
	at := <-released
	for i, op := range writeOps {
		if errs[i] != nil {
			t.Errorf("%s while another connection held the lock for %v: %v", op.name, hold, errs[i])
		}
		if ended[i].Before(at) {
			t.Errorf("%s returned %v before the lock was released", op.name, at.Sub(ended[i]))
		}
		// The lock outlived SQLite's own busy wait (busySlice), so the
		// operation was retried.
		if stores[i].busyRetries.Load() == 0 {
			t.Errorf("%s: no retry recorded while the lock was held for %v (busy slice %v)", op.name, hold, busySlice(stores[i].busyTimeout))
		}
	}
}

// R14: a write that finds the database locked for longer than the busy
// timeout fails with an error matching store.ErrUnavailable (a 503), soon
// after the timeout, and works again once the lock is gone.
func TestWriteFailsUnavailableWhenLockedPastTheBusyTimeout(t *testing.T) {
	t.Parallel()
	const bound = 400 * time.Millisecond
	stores, paths, releases := lockedStores(t, WithBusyTimeout(bound))
	errs, took, _ := runAll(t, stores, "k")
	for i, op := range writeOps {
		err := errs[i]
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s under a held lock: err = %v, want store.ErrUnavailable", op.name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "locked") || !strings.Contains(msg, paths[i]) {
			t.Errorf("%s: error %q does not say the database %s is locked", op.name, msg, paths[i])
		}
		if took[i] < bound || took[i] > bound+maxBusySlice+time.Second {
			t.Errorf("%s gave up after %v, want about the busy timeout %v", op.name, took[i], bound)
		}
	}
	for _, release := range releases {
		release()
	}
	errs, _, _ = runAll(t, stores, "k2")
	for i, op := range writeOps {
		if errs[i] != nil {
			t.Errorf("%s after the lock was released: %v", op.name, errs[i])
		}
	}
}

// R14, R15: the caller's deadline cuts the wait for a lock short.
func TestLockWaitHonoursTheContextDeadline(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := openAt(t, path, WithBusyTimeout(10*time.Second))
	holdWriteLock(t, path)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Commit(ctx, "tok", []byte("v"), inHour())
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Commit past its deadline: err = %v, want store.ErrUnavailable", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Commit took %v with a 200ms deadline", took)
	}
}

// Reads are not blocked by a writer holding the lock (WAL).
func TestReadsProceedWhileAnotherConnectionWrites(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := openAt(t, path, WithBusyTimeout(100*time.Millisecond))
	ctx := t.Context()
	if err := s.Commit(ctx, "tok", []byte("v"), inHour()); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserSession(ctx, "alice", "tok", inHour()); err != nil {
		t.Fatal(err)
	}
	holdWriteLock(t, path)
	if b, found, err := s.Find(ctx, "tok"); err != nil || !found || string(b) != "v" {
		t.Errorf("Find under a write lock = %q, %v, %v", b, found, err)
	}
	if toks, err := s.UserSessions(ctx, "alice"); err != nil || len(toks) != 1 {
		t.Errorf("UserSessions under a write lock = %q, %v", toks, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping under a write lock: %v", err)
	}
}

// helperEnv names the database file the helper process locks.
const helperEnv = "KAKAOLOGIN_SQLITE_LOCK_HELPER"

// TestLockHelperProcess is not a test: run by
// TestWriteWaitsForAnotherProcess in a child process, it takes the write
// lock of the file named in its environment, says "locked", and holds the
// lock until its standard input closes.
func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("helper process for TestWriteWaitsForAnotherProcess")
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	conn, err := db.Conn(context.Background())
	if err == nil {
		_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until stdin closes
	_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
	conn.Close()
	db.Close()
	os.Exit(0)
}

// R14 across processes: the lock of another OS process is waited for like
// that of another connection.
func TestWriteWaitsForAnotherProcess(t *testing.T) {
	t.Parallel()
	path := tempPath(t)
	s := openAt(t, path, WithBusyTimeout(10*time.Second))
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper process said %q, %v; want locked", line, err)
	}
	// While the other process holds the lock, a short bound fails...
	short, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := s.Commit(short, "tok", []byte("v"), inHour()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Commit while another process holds the lock: err = %v, want store.ErrUnavailable", err)
	}
	// ...and a write waits until the process lets go.
	go func() {
		time.Sleep(300 * time.Millisecond)
		stdin.Close()
	}()
	if err := s.Commit(t.Context(), "tok", []byte("v"), inHour()); err != nil {
		t.Fatalf("Commit once the other process released the lock: %v", err)
	}
}
