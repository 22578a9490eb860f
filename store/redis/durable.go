package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// ErrNotReplicated is in the chain of an error from Delete, RevokeUser or
// Unlink when the server holding the keys has replicas but none of them
// confirmed the write in time. The write may have reached the master only
// and could be lost if the master failed now, so the operation reports
// failure (it also matches store.ErrUnavailable, so users see a 503 and
// retry); repeating it is safe.
var ErrNotReplicated = errors.New("no replica confirmed the write")

const (
	// replicaCountTTL is how long the number of replicas a server reported
	// is trusted before it is asked again.
	replicaCountTTL = 5 * time.Second
	// replicaMemory is how long a master that reported a replica is
	// still taken to have one after it reports none: a replica that
	// reconnects within it is waited for (revocations fail meanwhile);
	// one gone for longer is taken as gone, and revocations stop waiting.
	replicaMemory = 30 * time.Second
	// minReloadGap is the least time between two Cluster topology reloads
	// requested by failing commands.
	minReloadGap = 250 * time.Millisecond
)

// replicaCounts remembers which servers have replicas, so that
// revocations on a server without replicas cost no extra round trip, and a
// replica that is only reconnecting (its master reports none for a moment)
// is still waited for.
type replicaCounts struct {
	mu sync.Mutex
	// byAddr is the latest answer per client address, trusted for
	// replicaCountTTL.
	byAddr map[string]replicaCount
	// seen is when a master, by its replication ID (which a promotion
	// changes), last reported a replica.
	seen map[string]time.Time
}

type replicaCount struct {
	wait bool
	at   time.Time
}

// wrap is wrapErr, and, when err means the server did not answer and the
// client is a Cluster client, it asks the client to reload the Cluster's
// topology (at most once per minReloadGap): a master that died answers no
// MOVED, so without this the client would keep sending its slots' commands
// to the dead address until its next periodic reload.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		s.reloadTopology()
	}
	return wrapErr(op, err)
}

// reloadTopology asks a Cluster client to reload the slot map in the
// background, unless it was asked less than minReloadGap ago.
func (s *Store) reloadTopology() {
	cc, ok := s.client.(*goredis.ClusterClient)
	if !ok {
		return
	}
	now := time.Now().UnixNano()
	last := s.lastReload.Load()
	if now-last < int64(minReloadGap) || !s.lastReload.CompareAndSwap(last, now) {
		return
	}
	// ReloadState only starts a background reload; the context is unused.
	cc.ReloadState(context.Background())
}

// replicatedNode returns the client of the server that holds key when that
// server has replicas, so that a revocation can be written there and
// followed by WAIT on the same connection; it returns nil when the server
// has no replica (or the Store's client is of a kind whose server cannot be
// named), and the write needs no wait.
func (s *Store) replicatedNode(ctx context.Context, key string) (*goredis.Client, error) {
	var node *goredis.Client
	switch c := s.client.(type) {
	case *goredis.ClusterClient:
		n, err := c.MasterForKey(ctx, key)
		if err != nil {
			return nil, err
		}
		node = n
	case *goredis.Client: // one server, or the master a Sentinel names
		node = c
	default:
		return nil, nil
	}
	wait, err := s.hasReplicas(ctx, node)
	if err != nil || !wait {
		return nil, err
	}
	return node, nil
}

// learnReplicas asks every master whether it has replicas, so that a
// replica reconnecting when the first revocation comes is waited for.
// Failures are left for the revocations to meet.
func (s *Store) learnReplicas(ctx context.Context) {
	switch c := s.client.(type) {
	case *goredis.ClusterClient:
		_ = c.ForEachMaster(ctx, func(ctx context.Context, node *goredis.Client) error {
			_, err := s.hasReplicas(ctx, node)
			return err
		})
	case *goredis.Client:
		_, _ = s.hasReplicas(ctx, c)
	}
}

// hasReplicas reports whether node has a replica now, or reported one
// within replicaMemory under its current replication ID. It asks node
// (INFO replication) at most once per replicaCountTTL.
func (s *Store) hasReplicas(ctx context.Context, node *goredis.Client) (bool, error) {
	addr := node.Options().Addr
	s.replicas.mu.Lock()
	c, ok := s.replicas.byAddr[addr]
	s.replicas.mu.Unlock()
	if ok && time.Since(c.at) < replicaCountTTL {
		return c.wait, nil
	}
	info, err := node.Info(ctx, "replication").Result()
	if err != nil {
		return false, err
	}
	n, replID, err := parseReplication(info)
	if err != nil {
		return false, err
	}
	now := time.Now()
	s.replicas.mu.Lock()
	defer s.replicas.mu.Unlock()
	if s.replicas.byAddr == nil {
		s.replicas.byAddr = make(map[string]replicaCount)
		s.replicas.seen = make(map[string]time.Time)
	}
	for id, at := range s.replicas.seen {
		if now.Sub(at) >= replicaMemory {
			delete(s.replicas.seen, id)
		}
	}
	if n > 0 && replID != "" {
		s.replicas.seen[replID] = now
	}
	_, recent := s.replicas.seen[replID]
	wait := n > 0 || recent && replID != ""
	s.replicas.byAddr[addr] = replicaCount{wait: wait, at: now}
	return wait, nil
}

// forgetReplicaCount drops node's cached answer, so that the next
// revocation asks again.
func (s *Store) forgetReplicaCount(node *goredis.Client) {
	s.replicas.mu.Lock()
	delete(s.replicas.byAddr, node.Options().Addr)
	s.replicas.mu.Unlock()
}

// parseReplication reads connected_slaves and master_replid from the text
// of INFO replication. A missing field counts as none (a replica, or a
// server that hides it).
func parseReplication(info string) (replicas int, replID string, err error) {
	for line := range strings.Lines(info) {
		line = strings.TrimRight(line, "\r\n")
		if v, ok := strings.CutPrefix(line, "master_replid:"); ok {
			replID = v
			continue
		}
		v, ok := strings.CutPrefix(line, "connected_slaves:")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, "", fmt.Errorf("bad connected_slaves %q in INFO replication", truncate(v))
		}
		replicas = n
	}
	return replicas, replID, nil
}

// execWaited sends the writes queued on pipe (a pipeline of node) followed
// by WAIT 1, all on one connection, and fails with ErrNotReplicated (which
// wrap turns into store.ErrUnavailable too) when no replica confirmed them
// in time. cmds are
// the queued writes, whose own errors come first.
func (s *Store) execWaited(ctx context.Context, node *goredis.Client, pipe goredis.Pipeliner, cmds ...goredis.Cmder) error {
	wait := goredis.NewIntCmd(ctx, "wait", 1, replicaWait(s.replicaWait, node.Options().ReadTimeout).Milliseconds())
	_ = pipe.Process(ctx, wait)
	// Each command carries its own error; Exec's is the first of them.
	_, _ = pipe.Exec(ctx)
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	n, err := wait.Result()
	if err != nil {
		return err
	}
	if n < 1 {
		s.forgetReplicaCount(node)
		return ErrNotReplicated
	}
	return nil
}

// replicaWait is the WAIT timeout for a client with the given read
// timeout: want, or half the read timeout when that is shorter, so that
// the reply of WAIT arrives before the client gives up reading.
func replicaWait(want, readTimeout time.Duration) time.Duration {
	if readTimeout <= 0 { // -1, -2: no read timeout
		return want
	}
	return max(min(want, readTimeout/2), time.Millisecond)
}
