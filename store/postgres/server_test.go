package postgres

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pgServer is a PostgreSQL server of the test's own, on a free port and in
// a data folder of its own, for fault tests that must stop, freeze and
// restart a real server without touching the shared one.
type pgServer struct {
	t      testing.TB
	bin    string   // folder of initdb, pg_ctl and postgres
	asUser []string // command prefix that runs a program as the server's user
	port   int
	dir    string
}

// startServer starts a private server and stops it when the test ends.
// Without the PostgreSQL server programs, or (when the test runs as root,
// whom PostgreSQL refuses) without a postgres user to run them as, it skips
// the test, or fails it when the environment has CI=true.
func startServer(t testing.TB) *pgServer {
	t.Helper()
	skip := func(msg string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if p, err := exec.LookPath("initdb"); err == nil {
		bins = append(bins, p)
	}
	if len(bins) == 0 {
		skip("no PostgreSQL initdb for the server fault tests (looked in /usr/lib/postgresql/*/bin and PATH)")
	}
	slices.Sort(bins)
	s := &pgServer{t: t, bin: filepath.Dir(bins[len(bins)-1])}

	// A short folder of its own: the socket path must fit in 108 bytes,
	// which t.TempDir's long names may not.
	dir, err := os.MkdirTemp("", "klpg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			skip("running as root, which PostgreSQL refuses, and there is no postgres user to run the private server as: " + err.Error())
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			skip("running as root, which PostgreSQL refuses, and there is no runuser to run the private server as postgres: " + err.Error())
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			skip("cannot hand the private server's folder to the postgres user: " + err.Error())
		}
		s.asUser = []string{runuser, "-u", "postgres", "--"}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	s.run("initdb", "-D", s.data(), "-U", "postgres", "--auth=trust", "--no-sync", "--no-instructions")
	t.Cleanup(s.stop)
	s.start()
	return s
}

// data is the server's data folder.
func (s *pgServer) data() string { return filepath.Join(s.dir, "data") }

// url is the server's postgres:// URL for its postgres database, with the
// query parameters given as name, value pairs.
func (s *pgServer) url(nameValues ...string) string {
	u := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	for i := 0; i+1 < len(nameValues); i += 2 {
		u += "&" + nameValues[i] + "=" + nameValues[i+1]
	}
	return u
}

// run runs one of the server's programs as the server's user and fails
// the test, showing its output, when it fails.
func (s *pgServer) run(prog string, args ...string) {
	s.t.Helper()
	argv := append(append(slices.Clone(s.asUser), filepath.Join(s.bin, prog)), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.t.Fatalf("%s: %v\n%s\n%s", strings.Join(argv, " "), err, out, log)
	}
}

// start starts the server (again, on the same port and data) and waits
// until it accepts connections.
func (s *pgServer) start() {
	s.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=40 -c shared_buffers=16MB", s.port, s.dir)
	s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "-t", "120", "start")
}

// crash stops the server at once, without a shutdown checkpoint, as a
// crash would: the next start replays the WAL and brings back every
// committed transaction.
func (s *pgServer) crash() {
	s.t.Helper()
	s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop")
}

// stop stops the server if it runs (thawing it first, should it be
// frozen).
func (s *pgServer) stop() {
	if pid := s.postmaster(); pid > 0 {
		for _, p := range append(s.children(pid), pid) {
			_ = syscall.Kill(p, syscall.SIGCONT)
		}
	}
	argv := append(append(slices.Clone(s.asUser), filepath.Join(s.bin, "pg_ctl")), "-D", s.data(), "-m", "immediate", "-w", "stop")
	_ = exec.Command(argv[0], argv[1:]...).Run()
}

// postmaster returns the server's main process ID, or 0 when it is not
// running.
func (s *pgServer) postmaster() int {
	b, err := os.ReadFile(filepath.Join(s.data(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// children returns the IDs of the processes whose parent is pid: the
// server's backends, one per connection, and its helper processes.
func (s *pgServer) children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so look after the ")".
		i := strings.LastIndexByte(string(b), ')')
		if f := strings.Fields(string(b[i+1:])); i > 0 && len(f) > 1 && f[1] == strconv.Itoa(pid) {
			kids = append(kids, p)
		}
	}
	return kids
}

// freeze stops the server and every backend with SIGSTOP, their sockets
// left open, as a hung machine would, and returns once all of them have
// stopped; thaw lets them run on.
func (s *pgServer) freeze() {
	s.t.Helper()
	pid := s.postmaster()
	if pid == 0 {
		s.t.Fatal("freeze: the server is not running")
	}
	procs := append(s.children(pid), pid)
	for _, p := range procs {
		_ = syscall.Kill(p, syscall.SIGSTOP)
	}
	// A signal is delivered asynchronously: until a process has stopped,
	// it may still answer.
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range procs {
		for {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
			if err != nil {
				break // gone, or no /proc
			}
			if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " T") {
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("process %d of the server did not stop: %s", p, b)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// thaw resumes a frozen server.
func (s *pgServer) thaw() {
	if pid := s.postmaster(); pid > 0 {
		for _, p := range append(s.children(pid), pid) {
			_ = syscall.Kill(p, syscall.SIGCONT)
		}
	}
}
