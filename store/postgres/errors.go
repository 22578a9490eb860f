package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kakaologin/kakaologin/store"
)

// wrap adds the operation to err and, when the database did not answer,
// store.ErrUnavailable. The original error stays in the chain, so
// errors.Is(err, context.DeadlineExceeded) and errors.As(err, &pgErr)
// keep working.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailable reports whether err means the server could not be reached or
// did not answer in time. An error the server sent (a *pgconn.PgError)
// counts only for the SQLSTATEs of a lost, refused, overloaded, shutting
// down or timed-out server; every other failure of this package's fixed,
// well-typed statements comes from the connection (refused, reset, EOF,
// TLS, deadline, closed pool) and counts as unavailable.
func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return true
	}
	switch pgErr.Code {
	case "57P01", // admin_shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now
		"57014", // query_canceled (statement_timeout)
		"55P03": // lock_not_available (lock_timeout)
		return true
	}
	for _, class := range []string{
		"08", // connection exception
		"53", // insufficient resources (too many connections, disk full)
		"58", // system error (I/O)
	} {
		if strings.HasPrefix(pgErr.Code, class) {
			return true
		}
	}
	return false
}
