package redis

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/kakaologin/kakaologin/store"
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
	// their masters while the revocations run: long enough for a
	// revocation that does not wait for a replica to be acknowledged on a
	// loaded machine.
	holdOffTime = 500 * time.Millisecond
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
	stores  [2]*Store
	next    atomic.Uint64
}

func newFailoverApp(t *testing.T, rawURL, prefix string) *failoverApp {
	a := &failoverApp{}
	for i := range a.engines {
		// A replica that was held off reconnects at Redis's next
		// once-a-second replication tick: wait long enough for it.
		st := openTopology(t, rawURL+"&read_timeout=10s&replica_wait=4s", prefix)
		a.stores[i] = st
		m, r := sessionEngine(t, st)
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
		// /unlink is the other admin action: it ends the link between a
		// Kakao user and a host user.
		r.POST("/unlink", func(c *gin.Context) {
			id, _ := strconv.ParseInt(c.Query("kakao"), 10, 64)
			_, err := st.Links().Unlink(c.Request.Context(), id)
			switch {
			case errors.Is(err, store.ErrNotFound):
				c.String(http.StatusNotFound, "not linked")
			case err != nil:
				c.String(http.StatusServiceUnavailable, "failed")
			default:
				c.String(http.StatusOK, "unlinked")
			}
		})
		// /link shows whether a Kakao user and a host user are linked,
		// looked up from either side.
		r.GET("/link", func(c *gin.Context) {
			id, _ := strconv.ParseInt(c.Query("kakao"), 10, 64)
			user := c.Query("user")
			byKakao, err := st.Links().ByKakaoID(c.Request.Context(), id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				c.String(http.StatusServiceUnavailable, "failed")
				return
			}
			byUser, err2 := st.Links().ByUserID(c.Request.Context(), user)
			if err2 != nil && !errors.Is(err2, store.ErrNotFound) {
				c.String(http.StatusServiceUnavailable, "failed")
				return
			}
			switch {
			case err != nil && err2 != nil:
				c.String(http.StatusOK, "not linked")
			default:
				c.String(http.StatusOK, "linked: %q / %d", byKakao.UserID, byUser.KakaoID)
			}
		})
		a.engines[i] = r
	}
	return a
}

// do serves one request on the next instance, with cookie as the session
// cookie, and returns the status, body and the session cookie set (if
// any).
func (a *failoverApp) do(method, path, cookie string) (int, string, string) {
	return a.doOn(int(a.next.Add(1)%2), method, path, cookie)
}

// doOn is do on instance inst (0 or 1).
func (a *failoverApp) doOn(inst int, method, path, cookie string) (int, string, string) {
	req := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	a.engines[inst].ServeHTTP(w, req)
	res := w.Result()
	set, _ := sessionCookie(res)
	return res.StatusCode, body(res), set
}

// retryOn repeats a request on instance inst until it is answered with
// something else than 503, at most n times.
func (a *failoverApp) retryOn(inst, n int, method, path, cookie string) (int, string, string) {
	for i := 1; ; i++ {
		status, b, set := a.doOn(inst, method, path, cookie)
		if status != http.StatusServiceUnavailable || i == n {
			return status, b, set
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// masterOf returns the port of the master holding key on st's deployment,
// or only when st is not on a Cluster (one master holds every key).
func masterOf(ctx context.Context, t *testing.T, st *Store, key string, only int) int {
	t.Helper()
	c, ok := st.client.(*goredis.ClusterClient)
	if !ok {
		return only
	}
	node, err := c.MasterForKey(ctx, key)
	if err != nil {
		t.Fatalf("master of %s: %v", key, err)
	}
	_, port, _ := strings.Cut(node.Options().Addr, ":")
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("master of %s: address %q", key, node.Options().Addr)
	}
	return p
}

// colocatedLinks returns perMaster links for each of masters whose two
// sides (the Kakao side and the user side) are both on that master, so
// that whichever master is killed holds whole links: an unlink of such a
// link that its master lost is undone by the failover, rather than
// showing as a half link that reads ignore.
func colocatedLinks(ctx context.Context, t *testing.T, st *Store, masters []int, perMaster int) []store.Link {
	t.Helper()
	count := make(map[int]int)
	var links []store.Link
	for n := range 100_000 {
		if len(links) == perMaster*len(masters) {
			return links
		}
		l := store.Link{KakaoID: int64(900_000 + n), UserID: fmt.Sprintf("linked-%d", n)}
		p := masterOf(ctx, t, st, st.k.linkByKakao(l.KakaoID), masters[0])
		if masterOf(ctx, t, st, st.k.linkByUser(l.UserID), masters[0]) != p ||
			!slices.Contains(masters, p) || count[p] == perMaster {
			continue
		}
		count[p]++
		links = append(links, l)
	}
	t.Fatalf("found only %d colocated links for masters %v", len(links), masters)
	return nil
}

// ---- the test --------------------------------------------------------------

// revocation is a session a user ended before the kill, or a link an admin
// ended.
type revocation struct {
	how    string
	id     int64       // the test user whose session ends
	cookie string      // that session's cookie
	link   store.Link  // for an unlink: the link that ends
	answer int         // the status the app answered the revocation with
	acked  bool        // the app answered 200 to the revocation
	via    *revocation // the revocation that ended this session too
}

// String describes r for a failure message.
func (r *revocation) String() string {
	if r.how == "unlink" {
		return fmt.Sprintf("unlink of Kakao user %d from %s", r.link.KakaoID, r.link.UserID)
	}
	return fmt.Sprintf("%s of user %d", r.how, r.id)
}

// probe is the request that shows whether r is in force, and the body it
// is answered with when it is.
func (r *revocation) probe() (path, cookie, want string) {
	if r.how == "unlink" {
		return fmt.Sprintf("/link?kakao=%d&user=%s", r.link.KakaoID, r.link.UserID), "", "not linked"
	}
	return "/me", r.cookie, "anonymous"
}

// endedSet holds the revocations the app acknowledged; the load goroutines
// check them in turn, so that each is checked again and again, during
// the failover too.
type endedSet struct {
	mu   sync.Mutex
	revs []*revocation
	// seen marks the revocations found in force by a check that started
	// after the kill.
	seen []bool
	next int
}

func (e *endedSet) add(r *revocation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.revs = append(e.revs, r)
	e.seen = append(e.seen, false)
}

// pick returns the next revocation to check, round-robin.
func (e *endedSet) pick() (int, *revocation, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.revs) == 0 {
		return 0, nil, false
	}
	i := e.next % len(e.revs)
	e.next++
	return i, e.revs[i], true
}

func (e *endedSet) markSeen(i int) {
	e.mu.Lock()
	e.seen[i] = true
	e.mu.Unlock()
}

// unseen lists the revocations no check after the kill found in force.
func (e *endedSet) unseen() []*revocation {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*revocation
	for i, r := range e.revs {
		if !e.seen[i] {
			out = append(out, r)
		}
	}
	return out
}

// Issue 13, SECURITY C118 (and R8, R15): with two app instances serving
// logged-in users under load (requests of live sessions, fresh logins,
// checks of every acknowledged revocation in turn), every master is cut
// off from its replicas (CLIENT KILL TYPE replica, replicas held off by a
// wrong masterauth) while users log out, log out everywhere, are revoked
// by an admin and are unlinked. A revocation that waits for a replica
// cannot be acknowledged while the replicas are held off; so if one is
// acknowledged within holdOffTime, it did not wait, and the master holding
// most of the test's revocations is killed (SIGKILL) at once, replicas
// still off; otherwise the replicas are let back, the revocations are
// acknowledged once replicated, and the master is killed then. Requests
// during the failover get 503 or the right answer, never 200 for an ended
// session or link, nor someone else's login; both instances serve every
// session again within recoveryBound of the promotion; every revocation
// the app acknowledged is still in force after it. The killed server is
// started again and the deployment left healthy for the tests after this
// one.
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
	masters := d.masters(ctx, t)

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
	// Links that an admin ends: six whole links, spread over the masters.
	for _, l := range colocatedLinks(ctx, t, app.stores[0], masters, max(2, 6/len(masters))) {
		if _, err := app.stores[0].Links().Link(ctx, l); err != nil {
			t.Fatalf("Link %+v: %v", l, err)
		}
		r := &revocation{how: "unlink", link: l}
		path, _, want := r.probe()
		for inst := range 2 {
			if status, b, _ := app.doOn(inst, http.MethodGet, path, ""); status != http.StatusOK || b == want {
				t.Fatalf("link %+v before the unlink: %d %q", l, status, b)
			}
		}
		revs = append(revs, r)
	}
	// ended holds the revocations the app acknowledged; the load checks
	// that none of them is undone.
	var ended endedSet

	// The load: four goroutines ask /me for random live sessions, log
	// live users in afresh now and then, and check the acknowledged
	// revocations in turn.
	var (
		stop       atomic.Bool
		killedAt   atomic.Int64 // Unix ns, 0 before the kill
		failures   atomic.Int64 // 503s after the kill
		lastFailed atomic.Int64 // Unix ns of the latest 503
		freshOK    atomic.Int64 // fresh logins answered 200
		bad        = make(chan string, 100)
		load       sync.WaitGroup
	)
	report := func(format string, args ...any) {
		select {
		case bad <- fmt.Sprintf(format, args...):
		default:
		}
	}
	unavailable := func() {
		if killedAt.Load() != 0 {
			failures.Add(1)
			lastFailed.Store(time.Now().UnixNano())
		}
	}
	for g := range 4 {
		load.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for !stop.Load() {
				i := firstLive + rng.IntN(users-firstLive)
				own := fmt.Sprintf("user-%d %d", i, i+kakaoIDBase)
				status, b, _ := app.do(http.MethodGet, "/me", cookies[i][rng.IntN(2)])
				switch {
				case status == http.StatusServiceUnavailable:
					unavailable()
				case status != http.StatusOK:
					report("live user %d: status %d %q", i, status, b)
				case b != own:
					report("live user %d got %q", i, b)
				}

				if rng.IntN(4) == 0 { // a fresh login of a live user
					status, b, set := app.do(http.MethodPost, fmt.Sprintf("/login?id=%d", i), "")
					switch {
					case status == http.StatusServiceUnavailable:
						unavailable()
					case status != http.StatusOK || set == "":
						report("fresh login of user %d: status %d %q, cookie set: %v", i, status, b, set != "")
					default:
						freshOK.Add(1)
						status, b, _ := app.do(http.MethodGet, "/me", set)
						switch {
						case status == http.StatusServiceUnavailable:
							unavailable()
						case status != http.StatusOK:
							report("fresh session of user %d: status %d %q", i, status, b)
						case b == own:
						// A login acknowledged right before the kill may be lost
						// with its master (logins do not wait for a replica): the
						// session is then anonymous, never someone else's.
						case b == "anonymous" && killedAt.Load() != 0:
						default:
							report("fresh session of user %d got %q", i, b)
						}
					}
				}

				if k, r, ok := ended.pick(); ok {
					after := killedAt.Load() != 0
					path, cookie, want := r.probe()
					status, b, _ := app.do(http.MethodGet, path, cookie)
					switch {
					case status == http.StatusServiceUnavailable:
					case status != http.StatusOK || b != want:
						report("%v, acknowledged: answered %d %q", r, status, b)
					case after:
						ended.markSeen(k)
					}
				}
			}
		})
	}
	t.Cleanup(func() { stop.Store(true); load.Wait() })
	time.Sleep(300 * time.Millisecond)

	// Cut every master off from its replicas: a wrong masterauth makes a
	// replica's reconnection fail until it is reset, so that meanwhile a
	// write that does not wait for a replica is on its master only. The
	// revocations run concurrently, one attempt each.
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
	var (
		revoking sync.WaitGroup
		unwaited atomic.Int64 // revocations acknowledged while the replicas were off
		heldOff  atomic.Bool
	)
	heldOff.Store(true)
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
			case "unlink":
				r.answer, _, _ = app.do(http.MethodPost, fmt.Sprintf("/unlink?kakao=%d", r.link.KakaoID), "")
			}
			if r.answer == http.StatusOK && heldOff.Load() {
				unwaited.Add(1)
			}
		})
	}
	revoked := make(chan struct{})
	go func() { revoking.Wait(); close(revoked) }()
	select {
	case <-revoked:
	case <-time.After(holdOffTime):
	}
	// A revocation acknowledged by now did not wait for a replica: kill
	// its master before the replicas are back. Otherwise let them back
	// and wait for the revocations.
	settle := func() {
		heldOff.Store(false)
		holdOff(false)
		<-revoked
		for _, r := range revs {
			if r.via != nil {
				r.answer = r.via.answer
			}
			if r.answer != http.StatusOK && r.answer != http.StatusServiceUnavailable {
				t.Fatalf("%v: status %d", r, r.answer)
			}
			r.acked = r.answer == http.StatusOK
			if r.acked {
				ended.add(r)
			}
		}
	}
	early := unwaited.Load() > 0
	if early {
		t.Logf("%d revocations acknowledged while no replica could confirm them; killing before the replicas reconnect", unwaited.Load())
	} else {
		settle()
	}
	victim := d.victim(ctx, t, prefix)
	onVictim := 0
	for _, r := range revs {
		if r.how == "unlink" && masterOf(ctx, t, app.stores[0], app.stores[0].k.linkByKakao(r.link.KakaoID), victim) == victim {
			onVictim++
		}
	}
	repl, _ := d.node(victim).Info(ctx, "replication").Result()
	killedAt.Store(time.Now().UnixNano())
	killServer(t, d.pidfile(victim))
	kill := time.Now()
	t.Logf("killed master %d, holding both sides of %d unlinked links (connected_slaves:%s right before)",
		victim, onVictim, infoField(repl, "connected_slaves"))
	t.Cleanup(func() { restore(t, d, victim) })
	if early {
		settle() // the revocations on other masters go on
	}

	for !d.promoted(ctx, victim) {
		if time.Since(kill) > promotionTimeout {
			t.Fatalf("no replica promoted %v after the kill", promotionTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	promotion := time.Since(kill)

	// Recovered: a sweep over every live session, on each instance, is
	// answered 200 with its own user.
	sweep := func() bool {
		for i := firstLive; i < users; i++ {
			for _, c := range cookies[i] {
				for inst := range 2 {
					status, b, _ := app.doOn(inst, http.MethodGet, "/me", c)
					if status != http.StatusOK || b != fmt.Sprintf("user-%d %d", i, i+kakaoIDBase) {
						return false
					}
				}
			}
		}
		return true
	}
	for !sweep() {
		if time.Since(kill) > promotion+recoveryBound {
			t.Fatalf("the app had not recovered %v after the promotion (kill → promotion: %v)", recoveryBound, promotion)
		}
		time.Sleep(50 * time.Millisecond)
	}
	recovered := time.Since(kill)
	t.Logf("kill → promotion: %v; promotion → every live session served on both instances: %v; kill → recovered: %v; %d requests got 503 after the kill",
		promotion.Round(10*time.Millisecond), (recovered - promotion).Round(10*time.Millisecond),
		recovered.Round(10*time.Millisecond), failures.Load())
	if last := lastFailed.Load(); last > 0 {
		t.Logf("kill → last 503 of the load: %v", time.Unix(0, last).Sub(kill).Round(10*time.Millisecond))
	}
	// Let the load run until it has found every acknowledged revocation
	// in force at least once since the kill.
	for deadline := time.Now().Add(10 * time.Second); len(ended.unseen()) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	load.Wait()
	for _, r := range ended.unseen() {
		t.Errorf("%v, acknowledged: no check by the load since the kill found it in force", r)
	}
	close(bad)
	for msg := range bad {
		t.Error(msg)
	}
	t.Logf("%d fresh logins succeeded during the load", freshOK.Load())
	if freshOK.Load() == 0 {
		t.Error("no fresh login succeeded during the load")
	}

	acked := map[string]int{}
	for _, r := range revs {
		if !r.acked {
			continue
		}
		acked[r.how]++
		path, cookie, want := r.probe()
		for inst := range 2 {
			status, b, _ := app.retryOn(inst, 20, http.MethodGet, path, cookie)
			if status != http.StatusOK || b != want {
				t.Errorf("%v, acknowledged before the kill: after the failover instance %d answers %d %q", r, inst, status, b)
			}
		}
	}
	t.Logf("acknowledged revocations (of %d): %v", len(revs), acked)
	if acked["logout"] == 0 || acked["logout everywhere"] == 0 || acked["revoke"] == 0 || acked["unlink"] == 0 {
		t.Error("a kind of revocation was never acknowledged; the test checked nothing of it")
	}
	// Still usable: log in anew.
	if status, _, set := app.retryOn(0, 20, http.MethodPost, "/login?id=99", ""); status != http.StatusOK || set == "" {
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
