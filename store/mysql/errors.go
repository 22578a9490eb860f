package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/kakaologin/kakaologin/store"
)

// wrap adds the operation to err and, when the database did not answer,
// store.ErrUnavailable. The original error stays in the chain, so
// errors.Is(err, context.DeadlineExceeded) and errors.As(err, &myErr)
// keep working.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("mysql: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("mysql: %s: %w", op, err)
}

// Server error numbers (ER_* in the MySQL and MariaDB manuals).
const (
	erDupEntry        = 1062
	erLockWaitTimeout = 1205
	erLockDeadlock    = 1213
)

// unavailable reports whether err means the server could not be reached or
// did not answer in time. An error the server sent (a *MySQLError) counts
// only for the numbers of a refused, overloaded, shutting down, read-only
// (mid-failover), interrupted or timed-out server, or a lock that could not
// be had in time; every other failure of this package's fixed, well-typed
// statements comes from the connection (refused, reset, EOF, TLS,
// deadline, closed pool) and counts as unavailable.
func unavailable(err error) bool {
	var myErr *driver.MySQLError
	if !errors.As(err, &myErr) {
		return true
	}
	switch myErr.Number {
	case 1021, // ER_DISK_FULL
		1040,       // ER_CON_COUNT_ERROR: too many connections
		1041,       // ER_OUT_OF_RESOURCES
		1053,       // ER_SERVER_SHUTDOWN
		1152,       // ER_ABORTING_CONNECTION
		1156,       // ER_NET_PACKETS_OUT_OF_ORDER
		1158, 1159, // ER_NET_READ_ERROR, ER_NET_READ_INTERRUPTED
		1160, 1161, // ER_NET_ERROR_ON_WRITE, ER_NET_WRITE_INTERRUPTED
		1184,              // ER_NEW_ABORTING_CONNECTION
		1203,              // ER_TOO_MANY_USER_CONNECTIONS
		erLockWaitTimeout, // innodb_lock_wait_timeout
		erLockDeadlock,    // still a deadlock after the retries
		1290,              // ER_OPTION_PREVENTS_STATEMENT: --read-only
		1317,              // ER_QUERY_INTERRUPTED
		1792,              // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
		1836,              // ER_READ_ONLY_MODE
		1927,              // ER_CONNECTION_KILLED (MariaDB)
		1969,              // ER_STATEMENT_TIMEOUT (MariaDB max_statement_time)
		3024,              // ER_QUERY_TIMEOUT (MySQL max_execution_time)
		4031:              // ER_CLIENT_INTERACTION_TIMEOUT (MySQL)
		return true
	}
	return false
}

// isNumber reports whether err is a server error with number n.
func isNumber(err error, n uint16) bool {
	var myErr *driver.MySQLError
	return errors.As(err, &myErr) && myErr.Number == n
}

// deadlockRetries is how many times a statement or transaction that the
// server chose as a deadlock victim is run again. The server rolled it back
// whole, so running it again is safe.
const deadlockRetries = 5

// retry runs f, and runs it again while it fails as a deadlock victim, up
// to deadlockRetries times, waiting a little longer each time.
func retry(ctx context.Context, f func() error) error {
	for attempt := 0; ; attempt++ {
		err := f()
		if err == nil || attempt == deadlockRetries || !isNumber(err, erLockDeadlock) {
			return err
		}
		t := time.NewTimer(time.Duration(attempt+1) * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// execRetry runs one write statement (retrying deadlocks) and returns the
// number of rows it changed.
func (s *Store) execRetry(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := retry(ctx, func() error {
		res, err := s.db.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// inTx runs f in one READ COMMITTED transaction (retrying deadlocks) and
// commits it. READ COMMITTED locks only the rows a statement reads, not the
// gaps between them, so the store's short transactions do not block each
// other's inserts.
func (s *Store) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	return retry(ctx, func() error {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		if err != nil {
			return err
		}
		if err := f(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}
