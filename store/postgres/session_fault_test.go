package postgres

import (
	"testing"

	"github.com/kakaologin/kakaologin/internal/serverfault"
)

// faultServer is the private server as serverfault controls it.
type faultServer struct{ *pgServer }

func (s faultServer) Crash()  { s.crash() }
func (s faultServer) Start()  { s.start() }
func (s faultServer) Freeze() { s.freeze() }
func (s faultServer) Thaw()   { s.thaw() }

// Issue 13 item 5 (R8, R15): the PostgreSQL server is restarted (stopped
// at once without a checkpoint, as in a crash, and started again on the
// same data) while logged-in requests run through the session middleware:
// 503s during the outage, recovery by itself, the last acknowledged save
// kept, a logout before the restart still in force (serverfault.RunRestart).
func TestSessionsSurviveServerRestart(t *testing.T) {
	srv := startServer(t)
	// A connect timeout short enough for a test.
	st, err := Open(t.Context(), srv.url("connect_timeout", "2"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serverfault.RunRestart(t, faultServer{srv}, st)
}

// Issue 13 item 5 (R8): a server frozen with SIGSTOP (its connections
// open) fails store calls and requests within seconds with the default
// call timeout, and the same Store answers again once it is thawed
// (serverfault.RunFreeze).
func TestFrozenServerFailsWithinSecondsThenRecovers(t *testing.T) {
	srv := startServer(t)
	st, err := Open(t.Context(), srv.url()) // the default timeouts: the URL sets none
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	serverfault.RunFreeze(t, faultServer{srv}, st, "the default call timeout is "+DefaultCallTimeout.String())
}
