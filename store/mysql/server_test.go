package mysql

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mariadbServer is a MariaDB (or MySQL) server of the test's own, on a free
// port and in a data folder of its own, for fault tests that must kill,
// freeze and restart a real server without touching the shared one.
type mariadbServer struct {
	t    testing.TB
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

// startServer starts a private server and stops it when the test ends.
// Without a mariadbd binary it skips the test, or fails it when the
// environment has CI=true.
func startServer(t testing.TB) *mariadbServer {
	t.Helper()
	bin, err := exec.LookPath("mariadbd")
	if err != nil {
		if _, statErr := os.Stat("/usr/sbin/mariadbd"); statErr == nil {
			bin, err = "/usr/sbin/mariadbd", nil
		}
	}
	if err != nil {
		msg := "no mariadbd binary for the server fault tests: " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// A short folder of its own: the server's socket path must fit in 108
	// bytes, which t.TempDir's long names may not.
	dir, err := os.MkdirTemp("", "klmy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &mariadbServer{t: t, bin: bin, port: port, dir: dir}
	t.Cleanup(s.kill)
	s.start()
	adminOn(t, s.url("")+"?multiStatements=true", "CREATE DATABASE IF NOT EXISTS test")
	return s
}

// url is the server's mysql:// URL for database db.
func (s *mariadbServer) url(db string) string {
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/%s", s.port, db)
}

// start starts the server (again, on the same port and data) and waits
// until it answers.
func (s *mariadbServer) start() {
	s.t.Helper()
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(s.dir, "data"),
		"--socket=" + filepath.Join(s.dir, "s.sock"),
		"--pid-file=" + filepath.Join(s.dir, "pid"),
		"--log-error=" + filepath.Join(s.dir, "error.log"),
		"--port=" + strconv.Itoa(s.port), "--bind-address=127.0.0.1",
		// Any user is root, without a password: no system tables needed.
		"--skip-grant-tables", "--skip-name-resolve", "--skip-log-bin",
		"--innodb-buffer-pool-size=8M", "--innodb-log-file-size=4M",
		"--innodb-data-file-path=ibdata1:4M:autoextend",
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	s.cmd = exec.Command(s.bin, args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start mariadbd: %v", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if s.ping() == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			s.t.Fatalf("mariadbd on port %d does not answer:\n%s", s.port, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ping connects and pings once.
func (s *mariadbServer) ping() error {
	db, _ := testDB(s.t, s.url(""))
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// kill kills the server, as a crash would; InnoDB recovers every committed
// transaction at the next start. Killing a stopped server does nothing.
func (s *mariadbServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // in case it was frozen
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// signal sends sig to the running server (SIGSTOP freezes it, SIGCONT
// thaws it).
func (s *mariadbServer) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
	if sig != syscall.SIGSTOP {
		return
	}
	// A signal is delivered asynchronously: until every thread has
	// stopped, the server may still answer a query.
	stat := "/proc/" + strconv.Itoa(s.cmd.Process.Pid) + "/stat"
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(stat)
		if err != nil {
			time.Sleep(500 * time.Millisecond) // no /proc: give it time
			return
		}
		// pid (comm) state …; comm may hold spaces, so look after the ")".
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " T") {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("mariadbd did not stop: %s", b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// adminOn runs SQL on a connection of its own to the database of rawURL.
func adminOn(t testing.TB, rawURL, query string) {
	t.Helper()
	db, _ := testDB(t, rawURL)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, query); err != nil {
		t.Fatalf("%q: %v", query, err)
	}
}
