package redis

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/store/internal/urlparam"
)

// DefaultPrefix is the prefix of every key a Store writes when none is
// configured.
const DefaultPrefix = "kakaologin:"

// Option configures Open and New. Options given to Open override the same
// setting taken from the URL.
type Option func(*config)

// config is the resolved configuration of a Store.
type config struct {
	prefix      string
	replicaWait time.Duration
}

func defaultConfig() config {
	return config{prefix: DefaultPrefix, replicaWait: DefaultReplicaWait}
}

// DefaultReplicaWait is how long a revocation waits by default for a
// replica to confirm it, on a server that has replicas.
const DefaultReplicaWait = time.Second

// WithReplicaWait sets how long Delete, RevokeUser and Unlink wait for a
// replica to confirm their write, on a server that has replicas (default
// DefaultReplicaWait; never more than half the client's read timeout, so
// that the answer arrives before the client stops reading). Longer rides
// out a replica's reconnection (Redis retries once a second); shorter
// answers a logout sooner when no replica is in sync. The URL query
// parameter replica_wait=DURATION (such as 2s) does the same.
func WithReplicaWait(d time.Duration) Option {
	return func(c *config) { c.replicaWait = d }
}

// WithPrefix sets the string every key of the Store starts with (default
// DefaultPrefix). Several apps, or parallel tests, can share one Redis
// database by using one prefix each. The prefix may not contain '{' or
// '}', which would change the keys' hash slots. The URL query parameter
// prefix=STRING does the same.
func WithPrefix(prefix string) Option {
	return func(c *config) { c.prefix = prefix }
}

func (c config) check() error {
	if strings.ContainsAny(c.prefix, "{}") {
		return fmt.Errorf("key prefix %q contains '{' or '}'", c.prefix)
	}
	if c.replicaWait < time.Millisecond {
		return fmt.Errorf("replica wait %v is under a millisecond", c.replicaWait)
	}
	return nil
}

// Query parameters of a store URL that this package handles itself and
// removes before the rest of the URL reaches go-redis.
const (
	paramPrefix      = "prefix"
	paramCluster     = "cluster"
	paramReplicaWait = "replica_wait"
)

// urlParams are this package's own query parameters of a store URL.
type urlParams struct {
	cluster bool
}

// takeURLParams moves this package's own query parameters from u into c
// and the returned urlParams, and deletes them from u.
func takeURLParams(u *url.URL, c *config) (urlParams, error) {
	var p urlParams
	t := urlparam.New(u)
	t.String(paramPrefix, &c.prefix)
	t.Duration(paramReplicaWait, "2s", &c.replicaWait)
	t.Bool(paramCluster, &p.cluster)
	return p, t.Finish(u)
}
