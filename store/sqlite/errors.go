package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kakaologin/kakaologin/store"
)

// wrap adds the operation and the file to err and, when the database could
// not be used (locked too long, I/O error, disk full, file gone, deadline),
// store.ErrUnavailable. The original error stays in the chain, so
// errors.Is(err, context.DeadlineExceeded) and errors.As(err, &sqliteErr)
// keep working.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if unavailable(err) {
		return fmt.Errorf("sqlite: %s %s: %w: %w", op, s.path, store.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlite: %s %s: %w", op, s.path, err)
}

// unavailable reports whether err means the database could not be used,
// rather than that a statement was wrong: the file is locked, unreadable,
// unwritable, full, corrupt or gone, or the caller's deadline passed.
func unavailable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // primary result code of an extended one
	case sqlite3.SQLITE_BUSY,
		sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_INTERRUPT, // the context ended mid-statement
		sqlite3.SQLITE_IOERR,
		sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_NOMEM,
		sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_PERM,
		sqlite3.SQLITE_CORRUPT,
		sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}

// hasCode reports whether err is an SQLite error with the primary result
// code code.
func hasCode(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == code
}

// isBusy reports whether err is SQLite's "database is locked": another
// connection holds a lock this one needs. Such an operation may be retried.
func isBusy(err error) bool {
	return hasCode(err, sqlite3.SQLITE_BUSY) || hasCode(err, sqlite3.SQLITE_LOCKED)
}
