package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// schemaVersion is the version of the tables below, kept in
// kakaologin_schema_version. A later release that changes the tables bumps
// it and migrates; an older release refuses a newer file instead of
// misreading it. A table added beside the others (the outbox) changes no
// existing one and is created by Open, so it keeps the version.
const schemaVersion = 1

// tableDDL creates the store's tables. The package documentation shows the
// same SQL; a test keeps the two equal.
var tableDDL = []string{
	`CREATE TABLE IF NOT EXISTS kakaologin_schema_version (
	version INTEGER NOT NULL
) STRICT`,
	`CREATE TABLE IF NOT EXISTS kakaologin_sessions (
	token  BLOB    NOT NULL PRIMARY KEY,
	data   BLOB    NOT NULL,
	expiry INTEGER NOT NULL
) STRICT, WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS kakaologin_sessions_expiry_idx ON kakaologin_sessions (expiry)`,
	`CREATE TABLE IF NOT EXISTS kakaologin_tombstones (
	token  BLOB    NOT NULL PRIMARY KEY,
	expiry INTEGER NOT NULL
) STRICT, WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS kakaologin_tombstones_expiry_idx ON kakaologin_tombstones (expiry)`,
	`CREATE TABLE IF NOT EXISTS kakaologin_user_sessions (
	user_id TEXT    NOT NULL,
	token   BLOB    NOT NULL,
	expiry  INTEGER NOT NULL,
	PRIMARY KEY (user_id, token)
) STRICT, WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS kakaologin_user_sessions_expiry_idx ON kakaologin_user_sessions (expiry)`,
	`CREATE TABLE IF NOT EXISTS kakaologin_locks (
	name   TEXT    NOT NULL PRIMARY KEY,
	fence  TEXT    NOT NULL,
	expiry INTEGER NOT NULL
) STRICT, WITHOUT ROWID`,
	`CREATE TABLE IF NOT EXISTS kakaologin_links (
	kakao_id  INTEGER NOT NULL PRIMARY KEY,
	user_id   TEXT    NOT NULL UNIQUE,
	linked_at INTEGER NOT NULL
) STRICT`,
	`CREATE TABLE IF NOT EXISTS kakaologin_outbox (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	topic     TEXT    NOT NULL,
	payload   BLOB    NOT NULL,
	enqueued  INTEGER NOT NULL,
	attempts  INTEGER NOT NULL DEFAULT 0,
	lease     TEXT    NOT NULL DEFAULT '',
	lease_end INTEGER NOT NULL DEFAULT 0
) STRICT`,
	`CREATE INDEX IF NOT EXISTS kakaologin_outbox_topic_idx ON kakaologin_outbox (topic, id)`,
	`CREATE INDEX IF NOT EXISTS kakaologin_outbox_enqueued_idx ON kakaologin_outbox (enqueued)`,
}

// errSchemaTooNew is returned by Open for a file written by a newer
// release of this package.
var errSchemaTooNew = errors.New("database schema is newer than this version of the package")

// createTables creates the tables if missing and records or checks the
// schema version, in one write transaction, so that several instances
// opening the same new file at once create it exactly once.
func createTables(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, stmt := range tableDDL {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	var have sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(version) FROM kakaologin_schema_version`).Scan(&have); err != nil {
		return err
	}
	switch v := int(have.Int64); {
	case !have.Valid:
		if _, err := tx.ExecContext(ctx, `INSERT INTO kakaologin_schema_version (version) VALUES (?)`, schemaVersion); err != nil {
			return err
		}
	case v > schemaVersion:
		return fmt.Errorf("%w (file has version %d, package supports %d)", errSchemaTooNew, v, schemaVersion)
	}
	return tx.Commit()
}
