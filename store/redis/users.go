package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// AddUserSession records token under user until expiry; adding a known
// pair again keeps the later expiry. Expired entries of user are dropped
// in the same script.
func (s *Store) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	err := addUserScript.Run(ctx, s.client, []string{s.k.user(user)}, token, unixMilli(expiry)).Err()
	return s.wrap("add user session", err)
}

// RemoveUserSession forgets one token of user.
func (s *Store) RemoveUserSession(ctx context.Context, user, token string) error {
	return s.wrap("remove user session", s.client.ZRem(ctx, s.k.user(user), token).Err())
}

// UserSessions lists the tokens recorded for user whose expiry is after
// the server's now.
func (s *Store) UserSessions(ctx context.Context, user string) ([]string, error) {
	tokens, err := userSessionsScript.Run(ctx, s.client, []string{s.k.user(user)}).StringSlice()
	if err != nil {
		return nil, s.wrap("user sessions", err)
	}
	return tokens, nil
}

// RevokeUser tombstones every token in user's index, then removes those
// tokens from the index. The tokens' keys live in other hash slots than
// the index, so each token gets its own single-slot script; they are sent
// in one pipeline (one round trip per Cluster node). On a server with
// replicas the scripts are followed by WAIT on the same connection, as in
// Delete, so that the revocation survives a failover once confirmed.
// Entries added while it runs stay in the index. It returns how many of
// the entries it read were unexpired.
func (s *Store) RevokeUser(ctx context.Context, user string) (int, error) {
	ukey := s.k.user(user)
	raw, err := userEntriesScript.Run(ctx, s.client, []string{ukey}).StringSlice()
	if err != nil {
		return 0, s.wrap("revoke user", err)
	}
	if len(raw) < 1 || len(raw)%2 != 1 {
		return 0, fmt.Errorf("redis: revoke user: unexpected index reply of %d items", len(raw))
	}
	now, err := strconv.ParseInt(raw[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("redis: revoke user: bad server time %q", raw[0])
	}
	entries := raw[1:]
	if len(entries) == 0 {
		return 0, nil
	}
	type ending struct {
		keys []string
		left int64 // how long the index says the session may live, in ms
		cmd  *goredis.Cmd
	}
	// waited is the tombstones bound for one server with replicas: they
	// go in one pipeline on one connection, followed by WAIT.
	type waited struct {
		node *goredis.Client
		pipe goredis.Pipeliner
		cmds []goredis.Cmder
	}
	ends := make([]ending, 0, len(entries)/2) // tombstones on servers without replicas
	byNode := make(map[string]*waited)
	tokens := make([]any, 0, len(entries)/2)
	live := 0
	pipe := s.client.Pipeline()
	for i := 0; i < len(entries); i += 2 {
		token := entries[i]
		expiry, err := strconv.ParseFloat(entries[i+1], 64)
		if err != nil {
			return 0, fmt.Errorf("redis: revoke user: bad index score %q", entries[i+1])
		}
		left := max(int64(expiry)-now, 0)
		if left > 0 {
			live++
		}
		tokens = append(tokens, token)
		data, tomb := s.k.session(token)
		keys := []string{data, tomb}
		node, err := s.replicatedNode(ctx, tomb)
		if err != nil {
			return 0, s.wrap("revoke user", err)
		}
		if node != nil {
			w := byNode[node.Options().Addr]
			if w == nil {
				w = &waited{node: node, pipe: node.Pipeline()}
				byNode[node.Options().Addr] = w
			}
			w.cmds = append(w.cmds, deleteScript.Eval(ctx, w.pipe, keys, revocationMillis, left))
			continue
		}
		ends = append(ends, ending{keys: keys, left: left, cmd: deleteScript.EvalSha(ctx, pipe, keys, revocationMillis, left)})
	}
	if len(ends) > 0 {
		// Each command carries its own error; Exec's is the first of them.
		_, _ = pipe.Exec(ctx)
	}
	for _, e := range ends {
		err := e.cmd.Err()
		if isNoScript(err) {
			// A server without the script cached (fresh start, failover,
			// SCRIPT FLUSH): Run sends the source.
			err = deleteScript.Run(ctx, s.client, e.keys, revocationMillis, e.left).Err()
		}
		if err != nil {
			return 0, s.wrap("revoke user", err)
		}
	}
	for _, w := range byNode {
		if err := s.execWaited(ctx, w.node, w.pipe, w.cmds...); err != nil {
			return 0, s.wrap("revoke user", err)
		}
	}
	if err := s.client.ZRem(ctx, ukey, tokens...).Err(); err != nil {
		return 0, s.wrap("revoke user", err)
	}
	return live, nil
}

// isNoScript reports whether err is Redis's NOSCRIPT reply.
func isNoScript(err error) bool {
	return err != nil && (errors.Is(err, goredis.ErrNoScript) || goredis.HasErrorPrefix(err, "NOSCRIPT"))
}
