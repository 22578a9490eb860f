package redis

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/session"
)

// The failover tests kill a master of the deployments .ci/redis-topologies
// starts, then start it again as that script does, so that the tests after
// them find the deployment as healthy as before.

// loopback is the host of every server .ci/redis-topologies starts.
const loopback = "127.0.0.1"

// Bounds of the failover tests; generous, since the machine is shared.
const (
	promotionTimeout = 30 * time.Second // kill → replica promoted
	// recoveryBound is how long after the promotion both app instances
	// must serve every session again.
	recoveryBound  = 10 * time.Second
	healthyTimeout = 60 * time.Second // restart → deployment healthy again
	// holdOffTime is how long the replicas are kept from reconnecting to
	// their masters while the revocations run.
	holdOffTime = 100 * time.Millisecond
)

// topologiesDir is where .ci/redis-topologies keeps configs, pidfiles and
// logs.
func topologiesDir() string {
	if d := os.Getenv("KAKAOLOGIN_REDIS_TOPOLOGIES_DIR"); d != "" {
		return d
	}
	tmp := os.Getenv("TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, "kakaologin-redis-topologies")
}

// deployment is what a failover test needs to know about a topology.
type deployment interface {
	// victim returns the port of the master to kill, holding keys under
	// prefix.
	victim(ctx context.Context, t *testing.T, prefix string) int
	// promoted reports whether a replica has taken over from the master
	// on port.
	promoted(ctx context.Context, port int) bool
	// restart starts the server of port again, as .ci/redis-topologies
	// does; it rejoins as a replica.
	restart(t *testing.T, port int)
	// healthy reports whether the deployment is whole again.
	healthy(ctx context.Context) bool
	// masters lists the master ports.
	masters(ctx context.Context, t *testing.T) []int
	// node returns a client on port.
	node(port int) *goredis.Client
	// pidfile names the pidfile of the server on port.
	pidfile(port int) string
	// ports lists the ports of every data server (not sentinels).
	ports() []int
}

func (clusterDeployment) ports() []int  { return clusterPorts }
func (sentinelDeployment) ports() []int { return []int{sentinelMasterPort, sentinelReplicaPort} }

func (clusterDeployment) pidfile(port int) string {
	return filepath.Join(topologiesDir(), "cluster", strconv.Itoa(port), fmt.Sprintf("node-%d.pid", port))
}

func (sentinelDeployment) pidfile(port int) string {
	name := "master"
	if port == sentinelReplicaPort {
		name = "replica"
	}
	return filepath.Join(topologiesDir(), "sentinel", name, name+".pid")
}

func (d clusterDeployment) node(port int) *goredis.Client  { return d.n.get(port) }
func (d sentinelDeployment) node(port int) *goredis.Client { return d.n.get(port) }

// nodes hands out one plain client per loopback port, all closed at
// cleanup.
type nodes struct {
	t  *testing.T
	mu sync.Mutex
	m  map[int]*goredis.Client
}

func newNodes(t *testing.T) *nodes {
	n := &nodes{t: t, m: make(map[int]*goredis.Client)}
	t.Cleanup(func() {
		for _, c := range n.m {
			c.Close()
		}
	})
	return n
}

// get returns the client of port.
func (n *nodes) get(port int) *goredis.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.m[port]
	if c == nil {
		c = goredis.NewClient(&goredis.Options{Addr: fmt.Sprintf("%s:%d", loopback, port),
			DialTimeout: time.Second, ReadTimeout: 2 * time.Second, MaxRetries: -1})
		n.m[port] = c
	}
	return c
}

// killServer kills the redis-server whose pidfile is pidfile with SIGKILL,
// as a crash would.
func killServer(t *testing.T, pidfile string) {
	t.Helper()
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("pidfile: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		t.Fatalf("pidfile %s holds %q", pidfile, b)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
	for syscall.Kill(pid, 0) == nil { // until it is gone
		time.Sleep(10 * time.Millisecond)
	}
}

// startServer starts a daemonized redis-server with the settings of
// start_server in .ci/redis-topologies.
func startServer(t *testing.T, name, dir string, args ...string) {
	t.Helper()
	args = append(args, "--daemonize", "yes", "--bind", loopback, "--protected-mode", "no",
		"--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir,
		"--pidfile", filepath.Join(dir, name+".pid"), "--logfile", filepath.Join(dir, name+".log"))
	if out, err := exec.Command("redis-server", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-server %s: %v: %s", name, err, out)
	}
}

// infoField reads one "name:value" line of INFO or CLUSTER INFO.
func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// ---- Redis Cluster ---------------------------------------------------------

var clusterPorts = []int{7001, 7002, 7003, 7004, 7005, 7006}

type clusterDeployment struct{ n *nodes }

func (d clusterDeployment) masters(ctx context.Context, t *testing.T) []int {
	var ms []int
	for _, p := range clusterPorts {
		if role, err := d.n.get(p).Do(ctx, "ROLE").Slice(); err == nil && len(role) > 0 && role[0] == "master" {
			ms = append(ms, p)
		}
	}
	return ms
}

// victim is the master holding the most tombstones under prefix, so that
// most revocations of the test lived on it.
func (d clusterDeployment) victim(ctx context.Context, t *testing.T, prefix string) int {
	best, most := 0, -1
	for _, p := range d.masters(ctx, t) {
		keys, err := d.n.get(p).Keys(ctx, prefix+"r*").Result()
		if err != nil {
			t.Fatalf("KEYS on %d: %v", p, err)
		}
		if len(keys) > most {
			best, most = p, len(keys)
		}
	}
	if most < 1 {
		t.Fatal("no master holds a tombstone of the test")
	}
	t.Logf("victim: master %d holds %d tombstones", best, most)
	return best
}

// promoted: a surviving node sees three shards with slots, each led by a
// master other than port.
func (d clusterDeployment) promoted(ctx context.Context, port int) bool {
	for _, p := range clusterPorts {
		if p == port {
			continue
		}
		shards, err := d.n.get(p).ClusterShards(ctx).Result()
		if err != nil {
			continue
		}
		led := 0
		for _, sh := range shards {
			if len(sh.Slots) == 0 {
				continue
			}
			for _, n := range sh.Nodes {
				if n.Role == "master" && n.Health == "online" && n.Port != int64(port) {
					led++
				}
			}
		}
		return led == 3
	}
	return false
}

func (d clusterDeployment) restart(t *testing.T, port int) {
	dir := filepath.Join(topologiesDir(), "cluster", strconv.Itoa(port))
	startServer(t, fmt.Sprintf("node-%d", port), dir, "--port", strconv.Itoa(port),
		"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--cluster-node-timeout", "2000")
}

// healthy: as cluster_ok in .ci/redis-topologies, every node sees the
// cluster ok with 6 nodes and 3 shards, every replica is in sync, and
// there are 3 masters with one replica each.
func (d clusterDeployment) healthy(ctx context.Context) bool {
	masters := 0
	for _, p := range clusterPorts {
		c := d.n.get(p)
		ci, err := c.ClusterInfo(ctx).Result()
		if err != nil || infoField(ci, "cluster_state") != "ok" ||
			infoField(ci, "cluster_known_nodes") != "6" || infoField(ci, "cluster_size") != "3" {
			return false
		}
		repl, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return false
		}
		switch infoField(repl, "role") {
		case "master": // a restarted node may believe so for a moment
			if infoField(repl, "connected_slaves") != "1" {
				return false
			}
			masters++
		case "slave":
			if infoField(repl, "master_link_status") != "up" {
				return false
			}
		}
	}
	return masters == 3
}

// ---- Sentinel ---------------------------------------------------------------

const (
	sentinelMasterPort  = 6380
	sentinelReplicaPort = 6381
	sentinelMasterName  = "mymaster"
)

var sentinelPorts = []int{26379, 26380, 26381}

type sentinelDeployment struct{ n *nodes }

// masterPort asks the sentinel on sp which port the master is on.
func (d sentinelDeployment) masterPort(ctx context.Context, sp int) (int, error) {
	addr, err := d.n.get(sp).Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", sentinelMasterName).StringSlice()
	if err != nil {
		return 0, err
	}
	if len(addr) != 2 {
		return 0, fmt.Errorf("sentinel answered %q", addr)
	}
	return strconv.Atoi(addr[1])
}

func (d sentinelDeployment) masters(ctx context.Context, t *testing.T) []int {
	p, err := d.masterPort(ctx, sentinelPorts[0])
	if err != nil {
		t.Fatalf("sentinel: %v", err)
	}
	return []int{p}
}

func (d sentinelDeployment) victim(ctx context.Context, t *testing.T, _ string) int {
	return d.masters(ctx, t)[0]
}

// promoted: every sentinel names another master.
func (d sentinelDeployment) promoted(ctx context.Context, port int) bool {
	for _, sp := range sentinelPorts {
		if p, err := d.masterPort(ctx, sp); err != nil || p == port {
			return false
		}
	}
	return true
}

// restart starts the server as a replica of the other one, which the
// sentinels have made master.
func (d sentinelDeployment) restart(t *testing.T, port int) {
	name, other := "master", sentinelReplicaPort
	if port == sentinelReplicaPort {
		name, other = "replica", sentinelMasterPort
	}
	startServer(t, name, filepath.Join(topologiesDir(), "sentinel", name), "--port", strconv.Itoa(port),
		"--replicaof", loopback, strconv.Itoa(other))
}

// healthy: as sentinel_ok in .ci/redis-topologies, the sentinels agree on
// a master that has a replica in sync, and each sees the replica up.
func (d sentinelDeployment) healthy(ctx context.Context) bool {
	master := 0
	for _, sp := range sentinelPorts {
		p, err := d.masterPort(ctx, sp)
		if err != nil || master != 0 && p != master {
			return false
		}
		master = p
		reps, err := d.n.get(sp).Do(ctx, "SENTINEL", "REPLICAS", sentinelMasterName).Slice()
		if err != nil || len(reps) == 0 {
			return false
		}
		for _, r := range reps {
			if m, ok := r.(map[any]any); ok && strings.Contains(fmt.Sprint(m["flags"]), "down") {
				return false
			}
			if l, ok := r.([]any); ok {
				for i := 0; i+1 < len(l); i += 2 {
					if l[i] == "flags" && strings.Contains(fmt.Sprint(l[i+1]), "down") {
						return false
					}
				}
			}
		}
	}
	repl, err := d.n.get(master).Info(ctx, "replication").Result()
	if err != nil || infoField(repl, "role") != "master" || infoField(repl, "connected_slaves") == "0" {
		return false
	}
	other := sentinelMasterPort + sentinelReplicaPort - master
	repl, err = d.n.get(other).Info(ctx, "replication").Result()
	return err == nil && infoField(repl, "master_link_status") == "up"
}

// ---- the two app instances ---------------------------------------------------

// kakaoIDBase is added to a test user's number to make its Kakao ID (which
// must be positive).
const kakaoIDBase = 1000

// failoverApp is two app instances, each with its own Store (its own
// go-redis client) on the same deployment and prefix, and its own session
// Manager; requests go to them in turn.
type failoverApp struct {
	engines [2]*gin.Engine
	next    atomic.Uint64
}

func newFailoverApp(t *testing.T, rawURL, prefix string) *failoverApp {
	a := &failoverApp{}
	for i := range a.engines {
		// A replica that was held off reconnects at Redis's next
		// once-a-second replication tick: wait long enough for it.
		st := openTopology(t, rawURL+"&read_timeout=10s&replica_wait=4s", prefix)
		m, err := session.New(st, session.Config{CookieName: sessionCookieName, SealKeys: [][]byte{sessionSealKey},
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		r := gin.New()
		r.Use(gin.RecoveryWithWriter(io.Discard), m.Middleware())
		r.POST("/login", func(c *gin.Context) {
			id, _ := strconv.ParseInt(c.Query("id"), 10, 64)
			l := &session.Login{KakaoID: id + kakaoIDBase, UserID: fmt.Sprintf("user-%d", id), LoggedInAt: time.Now()}
			if err := m.LogIn(c, l, nil); err != nil {
				c.String(http.StatusServiceUnavailable, "login failed: %v", err)
				return
			}
			c.String(http.StatusOK, "logged in")
		})
		r.GET("/me", func(c *gin.Context) {
			if l, ok := m.Current(c); ok {
				c.String(http.StatusOK, "%s %d", l.UserID, l.KakaoID)
				return
			}
			c.String(http.StatusOK, "anonymous")
		})
		r.POST("/logout", func(c *gin.Context) {
			if err := m.LogOut(c); err != nil {
				c.String(http.StatusServiceUnavailable, "logout failed")
				return
			}
			c.String(http.StatusOK, "logged out")
		})
		r.POST("/logout/everywhere", func(c *gin.Context) {
			l, ok := m.Current(c)
			if !ok {
				c.String(http.StatusUnauthorized, "not logged in")
				return
			}
			if _, err := m.RevokeKakaoUser(c.Request.Context(), l.KakaoID); err != nil {
				c.String(http.StatusServiceUnavailable, "failed")
				return
			}
			c.String(http.StatusOK, "logged out everywhere")
		})
		// /revoke is an admin action (unlinking a user): it ends every
		// session of a host user.
		r.POST("/revoke", func(c *gin.Context) {
			if _, err := m.RevokeHostUser(c.Request.Context(), c.Query("user")); err != nil {
				c.String(http.StatusServiceUnavailable, "failed")
				return
			}
			c.String(http.StatusOK, "revoked")
		})
		a.engines[i] = r
	}
	return a
}

// do serves one request on the next instance, with cookie as the session
// cookie, and returns the status, body and the session cookie set (if
// any).
func (a *failoverApp) do(method, path, cookie string) (int, string, string) {
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	a.engines[a.next.Add(1)%2].ServeHTTP(w, req)
	res := w.Result()
	set, _ := sessionCookie(res)
	return res.StatusCode, body(res), set
}

// retry repeats a request until it is answered with something else than
// 503, at most n times.
func (a *failoverApp) retry(n int, method, path, cookie string) (int, string, string) {
	for i := 1; ; i++ {
		status, b, set := a.do(method, path, cookie)
		if status != http.StatusServiceUnavailable || i == n {
			return status, b, set
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ---- the test --------------------------------------------------------------

// revocation is a session a user ended before the kill.
type revocation struct {
	how    string
	id     int64
	cookie string
	answer int         // the status the app answered the revocation with
	acked  bool        // the app answered 200 to the revocation
	via    *revocation // the revocation that ended this session too
}

// Issue 13, SECURITY C118 (and R8, R15): with two app instances serving
// logged-in users under load, the master holding most of the test's
// revocations is killed (SIGKILL) right after the revocations, while its
// replica is cut off (CLIENT KILL TYPE replica), so that only a revocation
// that waited for the replica can be on it. Requests during the failover
// get 503 or the right answer, never 200 for an ended session nor someone
// else's login; both instances serve every session again within
// recoveryBound of the promotion; every revocation the app acknowledged is
// still in force after it. The killed server is started again and the
// deployment left healthy for the tests after this one.
func TestFailoverCluster(t *testing.T) {
	runFailover(t, envClusterURL, clusterDeployment{newNodes(t)})
}

// Issue 13, SECURITY C118: the same on Sentinel, where the failover
// client follows the sentinels to the promoted replica.
func TestFailoverSentinel(t *testing.T) {
	runFailover(t, envSentinelURL, sentinelDeployment{newNodes(t)})
}

func runFailover(t *testing.T, env string, d deployment) {
	rawURL := topologyURL(t, env)
	ctx := t.Context()
	if !d.healthy(ctx) {
		t.Fatal("the deployment is not healthy before the test")
	}
	prefix := topologyPrefix(t, rawURL)
	app := newFailoverApp(t, rawURL, prefix)

	const users = 30
	cookies := make([][2]string, users) // two sessions (two browsers) per user
	for i := range users {
		for j := range 2 {
			status, b, set := app.do(http.MethodPost, fmt.Sprintf("/login?id=%d", i), "")
			if status != http.StatusOK || set == "" {
				t.Fatalf("login %d: status %d %s", i, status, b)
			}
			cookies[i][j] = set
		}
	}
	// Users 0–17 end sessions before the kill; 18–29 stay logged in.
	const firstLive = 18
	var revs []*revocation
	for i := range int64(firstLive) {
		switch {
		case i < 6:
			revs = append(revs, &revocation{how: "logout", id: i, cookie: cookies[i][0]})
		case i < 12:
			r := &revocation{how: "logout everywhere", id: i, cookie: cookies[i][0]}
			revs = append(revs, r, &revocation{how: "logout everywhere (other browser)", id: i, cookie: cookies[i][1], via: r})
		default:
			r := &revocation{how: "revoke", id: i, cookie: cookies[i][0]}
			revs = append(revs, r, &revocation{how: "revoke (other browser)", id: i, cookie: cookies[i][1], via: r})
		}
	}
	// ended holds the cookies of sessions whose revocation was
	// acknowledged; the load checks that none of them is served.
	var ended sync.Map

	// The load: four goroutines ask /me for random live sessions and for
	// ended ones.
	var (
		stop       atomic.Bool
		killedAt   atomic.Int64 // Unix ns, 0 before the kill
		failures   atomic.Int64 // 503s after the kill
		lastFailed atomic.Int64 // Unix ns of the latest 503
		bad        = make(chan string, 100)
		load       sync.WaitGroup
	)
	report := func(format string, args ...any) {
		select {
		case bad <- fmt.Sprintf(format, args...):
		default:
		}
	}
	for g := range 4 {
		load.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for !stop.Load() {
				i := firstLive + rng.IntN(users-firstLive)
				c := cookies[i][rng.IntN(2)]
				status, b, _ := app.do(http.MethodGet, "/me", c)
				switch {
				case status == http.StatusServiceUnavailable:
					if killedAt.Load() != 0 {
						failures.Add(1)
						lastFailed.Store(time.Now().UnixNano())
					}
				case status != http.StatusOK:
					report("live user %d: status %d %q", i, status, b)
				case b != fmt.Sprintf("user-%d %d", i, i+kakaoIDBase):
					report("live user %d got %q", i, b)
				}
				ended.Range(func(k, v any) bool {
					if status, b, _ := app.do(http.MethodGet, "/me", k.(string)); status != http.StatusServiceUnavailable &&
						(status != http.StatusOK || b != "anonymous") {
						report("ended session (%s) answered %d %q", v, status, b)
					}
					return false // one per round
				})
			}
		})
	}
	t.Cleanup(func() { stop.Store(true); load.Wait() })
	time.Sleep(300 * time.Millisecond)

	// Cut every master off from its replicas for a moment: a wrong
	// masterauth makes a replica's reconnection fail until it is reset
	// holdOff later, so that meanwhile a write that does not wait for a
	// replica is on its master only. The revocations run concurrently,
	// one attempt each, while the replicas are held off.
	masters := d.masters(ctx, t)
	holdOff := func(on bool) {
		auth := ""
		if on {
			auth = "not-the-password"
		}
		for _, p := range d.ports() {
			if !slices.Contains(masters, p) {
				_ = d.node(p).ConfigSet(context.Background(), "masterauth", auth).Err()
			}
		}
	}
	t.Cleanup(func() { holdOff(false) })
	holdOff(true)
	for _, p := range masters {
		if err := d.node(p).Do(ctx, "CLIENT", "KILL", "TYPE", "replica").Err(); err != nil {
			t.Fatalf("CLIENT KILL on %d: %v", p, err)
		}
	}
	release := time.AfterFunc(holdOffTime, func() { holdOff(false) })
	defer release.Stop()
	var revoking sync.WaitGroup
	for _, r := range revs {
		if r.via != nil {
			continue
		}
		revoking.Go(func() {
			switch r.how {
			case "logout":
				r.answer, _, _ = app.do(http.MethodPost, "/logout", r.cookie)
			case "logout everywhere":
				r.answer, _, _ = app.do(http.MethodPost, "/logout/everywhere", r.cookie)
			case "revoke":
				r.answer, _, _ = app.do(http.MethodPost, "/revoke?user="+fmt.Sprintf("user-%d", r.id), "")
			}
		})
	}
	revoking.Wait()
	for _, r := range revs {
		if r.via != nil {
			r.answer = r.via.answer
		}
		if r.answer != http.StatusOK && r.answer != http.StatusServiceUnavailable {
			t.Fatalf("%s of user %d: status %d", r.how, r.id, r.answer)
		}
		r.acked = r.answer == http.StatusOK
		if r.acked {
			ended.Store(r.cookie, r.how)
		}
	}
	victim := d.victim(ctx, t, prefix)
	repl, _ := d.node(victim).Info(ctx, "replication").Result()
	killedAt.Store(time.Now().UnixNano())
	killServer(t, d.pidfile(victim))
	kill := time.Now()
	t.Logf("killed master %d (connected_slaves:%s right before)", victim, infoField(repl, "connected_slaves"))
	t.Cleanup(func() { restore(t, d, victim) })

	for !d.promoted(ctx, victim) {
		if time.Since(kill) > promotionTimeout {
			t.Fatalf("no replica promoted %v after the kill", promotionTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	promotion := time.Since(kill)
	t.Logf("kill → promotion: %v", promotion.Round(10*time.Millisecond))

	// Recovered: a sweep over every live session on both instances is
	// answered 200 with its own user.
	for {
		all := true
		for i := firstLive; i < users && all; i++ {
			for j := range 4 {
				status, b, _ := app.do(http.MethodGet, "/me", cookies[i][j%2])
				if status != http.StatusOK || b != fmt.Sprintf("user-%d %d", i, i+kakaoIDBase) {
					all = false
					break
				}
			}
		}
		if all {
			break
		}
		if time.Since(kill) > promotion+recoveryBound {
			t.Fatalf("the app had not recovered %v after the promotion (%v after the kill)", recoveryBound, promotion)
		}
		time.Sleep(50 * time.Millisecond)
	}
	recovered := time.Since(kill)
	stop.Store(true)
	load.Wait()
	t.Logf("kill → every session served on both instances: %v (%v after the promotion); %d requests got 503 after the kill",
		recovered.Round(10*time.Millisecond), (recovered - promotion).Round(10*time.Millisecond), failures.Load())
	if last := lastFailed.Load(); last > 0 {
		t.Logf("kill → last 503 of the load: %v", time.Unix(0, last).Sub(kill).Round(10*time.Millisecond))
	}
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}

	acked := 0
	for _, r := range revs {
		if !r.acked {
			continue
		}
		acked++
		for range 2 { // each instance
			status, b, _ := app.retry(20, http.MethodGet, "/me", r.cookie)
			if status != http.StatusOK || b != "anonymous" {
				t.Errorf("%s of user %d, acknowledged before the kill: after the failover the session answers %d %q",
					r.how, r.id, status, b)
			}
		}
	}
	t.Logf("%d of %d revocations acknowledged before the kill", acked, len(revs))
	if acked == 0 {
		t.Error("no revocation was acknowledged; the test checked nothing")
	}
	// Still usable: log in anew.
	if status, _, set := app.retry(20, http.MethodPost, "/login?id=99", ""); status != http.StatusOK || set == "" {
		t.Errorf("login after the failover: %d", status)
	}
}

// restore starts the killed server again and waits until the deployment
// is healthy, so that the tests after this one find it whole.
func restore(t *testing.T, d deployment, port int) {
	d.restart(t, port)
	ctx, cancel := context.WithTimeout(context.Background(), healthyTimeout)
	defer cancel()
	start := time.Now()
	for !d.healthy(ctx) {
		if ctx.Err() != nil {
			t.Fatalf("the deployment was not healthy %v after restarting %d", healthyTimeout, port)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("restarted %d; healthy again after %v", port, time.Since(start).Round(10*time.Millisecond))
}
