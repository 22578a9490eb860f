package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// Find returns the data of a live, unrevoked session. A revoked
// session has no data key (Delete removes it in the script that sets
// the tombstone), so one GET answers.
func (s *Store) Find(ctx context.Context, token string) ([]byte, bool, error) {
	data, _ := s.k.session(token)
	b, err := s.client.Get(ctx, data).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.wrap("find", err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, true, nil
}

// Commit stores b for token until expiry, in one script that refuses
// to write while the token's tombstone exists.
func (s *Store) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	data, tomb := s.k.session(token)
	n, err := commitScript.Run(ctx, s.client, []string{data, tomb}, nonNil(b), unixMilli(expiry)).Int()
	if err != nil {
		return s.wrap("commit", err)
	}
	if n == resultRevoked {
		return fmt.Errorf("redis: commit: %w", store.ErrRevoked)
	}
	return nil
}

// CompareAndSwap stores b for token if the live data equals old (or, for
// a nil old, if there is none). The test and the write are one script, so
// one atomic step for every client of the server.
func (s *Store) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	data, tomb := s.k.session(token)
	keys := []string{data, tomb}
	var cmd *goredis.Cmd
	if old == nil {
		cmd = casScript.Run(ctx, s.client, keys, nonNil(b), unixMilli(expiry), "absent")
	} else {
		cmd = casScript.Run(ctx, s.client, keys, nonNil(b), unixMilli(expiry), "equal", old)
	}
	n, err := cmd.Int()
	if err != nil {
		return false, s.wrap("compare and swap", err)
	}
	if n == resultRevoked {
		return false, fmt.Errorf("redis: compare and swap: %w", store.ErrRevoked)
	}
	return n == resultStored, nil
}

// Delete removes the session's data and keeps its token revoked until
// the later of its remaining ttl and store.RevocationTTL, on the server
// clock. When the server holding the token has replicas, Delete returns
// only once a replica has the tombstone too (WAIT), so that a logout it
// confirmed survives a failover; otherwise it fails with ErrNotReplicated.
func (s *Store) Delete(ctx context.Context, token string) error {
	data, tomb := s.k.session(token)
	keys := []string{data, tomb}
	node, err := s.replicatedNode(ctx, tomb)
	if err != nil {
		return s.wrap("delete", err)
	}
	if node == nil {
		return s.wrap("delete", deleteScript.Run(ctx, s.client, keys, revocationMillis, 0).Err())
	}
	pipe := node.Pipeline()
	cmd := deleteScript.Eval(ctx, pipe, keys, revocationMillis, 0)
	return s.wrap("delete", s.execWaited(ctx, node, pipe, cmd))
}

// revocationMillis is store.RevocationTTL in milliseconds.
var revocationMillis = store.RevocationTTL.Milliseconds()

// unixMilli is t in Unix milliseconds for PEXPIREAT, at least 1: Redis
// rejects timestamps that are not positive, and any time before now
// deletes the key, which is what an expiry in the past means.
func unixMilli(t time.Time) int64 {
	return max(t.UnixMilli(), 1)
}

// nonNil turns a nil slice into an empty one, so that go-redis sends an
// empty string.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
