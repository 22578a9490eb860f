package mysql

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/kakaologin/kakaologin/internal/serverfault"
)

// faultServer is the private server as serverfault controls it.
type faultServer struct{ *mariadbServer }

func (s faultServer) Crash()  { s.kill() }
func (s faultServer) Start()  { s.start() }
func (s faultServer) Freeze() { s.signal(syscall.SIGSTOP) }
func (s faultServer) Thaw()   { s.signal(syscall.SIGCONT) }

// Issue 13 item 5 (R8, R15): the MySQL server is restarted (killed, as in
// a crash, and started again on the same data) while logged-in requests
// run through the session middleware: 503s during the outage, recovery by
// itself, the last acknowledged save kept, a logout before the restart
// still in force (serverfault.RunRestart).
func TestSessionsSurviveServerRestart(t *testing.T) {
	srv := startServer(t)
	// Timeouts short enough for a test: a dead server fails each call
	// within a few seconds.
	st, err := Open(t.Context(), srv.url("test")+"?timeout=1s&readTimeout=2s&writeTimeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serverfault.RunRestart(t, faultServer{srv}, st)
}

// Issue 13 item 5 (R8): a server frozen with SIGSTOP (its connections
// open) fails store calls and requests within seconds with the default
// timeouts, and the same Store answers again once it is thawed
// (serverfault.RunFreeze).
func TestFrozenServerFailsWithinSecondsThenRecovers(t *testing.T) {
	srv := startServer(t)
	st, err := Open(t.Context(), srv.url("test")) // the default timeouts: the URL sets none
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serverfault.RunFreeze(t, faultServer{srv}, st,
		fmt.Sprintf("the default timeouts are %v to connect, %v to read", defaultDialTimeout, defaultReadTimeout))
}
