package redis

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
)

// TestClientsAskNoDNS: making the client for a URL whose addresses are IP
// addresses asks DNS nothing, in each of the three forms. go-redis before
// v9.23.0 resolved the failover client's placeholder address
// ("FailoverClient") while making a Sentinel client, so Open stalled for
// the resolver's 2 s whenever the DNS server did not answer (1 Open in 20
// on a CI machine without a DNS server) and sent a query for that name to
// the network.
//
// The check runs in a child process of the test binary, which replaces
// net.DefaultResolver before anything else runs and runs nothing else.
func TestClientsAskNoDNS(t *testing.T) {
	if os.Getenv("KAKAOLOGIN_DNS_PROBE") == "1" {
		var asked atomic.Int32
		net.DefaultResolver = &net.Resolver{PreferGo: true,
			Dial: func(context.Context, string, string) (net.Conn, error) {
				asked.Add(1)
				return nil, errors.New("this test has no DNS")
			}}
		for _, raw := range []string{
			"redis://127.0.0.1:26379/0?master_name=mymaster&addr=127.0.0.1:26380",
			"redis://127.0.0.1:7000?cluster=true&addr=127.0.0.1:7001",
			"redis://127.0.0.1:6379/0",
		} {
			c := clientOptionsOf(t, raw).newClient()
			_ = c.Close()
			if n := asked.Swap(0); n != 0 {
				t.Errorf("%s: making the client asked DNS %d times", raw, n)
			}
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientsAskNoDNS$", "-test.count=1")
	cmd.Env = append(os.Environ(), "KAKAOLOGIN_DNS_PROBE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
}
