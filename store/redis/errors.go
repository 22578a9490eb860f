package redis

import (
	"errors"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// wrapErr adds the operation to err and, when the server did not answer,
// store.ErrUnavailable. The original error stays in the chain, so
// errors.Is(err, context.DeadlineExceeded) and go-redis's IsXxxError
// helpers keep working.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("redis: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// unavailableReplies are the prefixes of server replies that mean "not
// now" rather than "never": the server is loading, failing over, out of
// memory under noeviction, or full of clients; or a Cluster's topology is
// changing (a redirection go-redis did not follow itself reached us). A retry later may succeed,
// and the session middleware answers 503.
var unavailableReplies = []string{
	"LOADING", "BUSY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "READONLY",
	"OOM", "MISCONF", "NOREPLICAS", "ERR max number of clients reached",
	"MOVED ", "ASK ",
}

// unavailable reports whether err means the server could not be reached or
// cannot serve now. A reply the server sent (a go-redis Error) counts only
// for the replies above; every other failure of this package's fixed
// commands and scripts comes from the connection (refused, reset, EOF, TLS,
// timeout, pool timeout, closed client) and counts as unavailable.
func unavailable(err error) bool {
	var reply goredis.Error
	if !errors.As(err, &reply) {
		return true
	}
	msg := reply.Error()
	for _, p := range unavailableReplies {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
