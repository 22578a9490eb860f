package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// tableDDL creates the store's tables; {sessions}, {user_sessions},
// {locks}, {links} and {outbox} stand for the (possibly schema-qualified) table
// names. The package documentation shows the same SQL with the default
// names; a test keeps the two equal.
var tableDDL = []string{
	`CREATE TABLE IF NOT EXISTS {sessions} (
	token   bytea       PRIMARY KEY,
	data    bytea,
	revoked boolean     NOT NULL DEFAULT false,
	expiry  timestamptz NOT NULL
)`,
	`CREATE INDEX IF NOT EXISTS kakaologin_sessions_expiry_idx ON {sessions} (expiry)`,
	`CREATE TABLE IF NOT EXISTS {user_sessions} (
	user_id text        NOT NULL,
	token   bytea       NOT NULL,
	expiry  timestamptz NOT NULL,
	PRIMARY KEY (user_id, token)
)`,
	`CREATE INDEX IF NOT EXISTS kakaologin_user_sessions_expiry_idx ON {user_sessions} (expiry)`,
	`CREATE TABLE IF NOT EXISTS {locks} (
	name   text        PRIMARY KEY,
	fence  text        NOT NULL,
	expiry timestamptz NOT NULL
)`,
	`CREATE TABLE IF NOT EXISTS {links} (
	kakao_id  bigint      PRIMARY KEY,
	user_id   text        NOT NULL,
	linked_at timestamptz NOT NULL,
	CONSTRAINT kakaologin_links_user_id_key UNIQUE (user_id)
)`,
	`CREATE TABLE IF NOT EXISTS {outbox} (
	id        bigserial   PRIMARY KEY,
	topic     text        NOT NULL,
	payload   bytea       NOT NULL,
	enqueued  timestamptz NOT NULL DEFAULT now(),
	attempts  integer     NOT NULL DEFAULT 0,
	lease     text        NOT NULL DEFAULT '',
	lease_end timestamptz NOT NULL DEFAULT '-infinity'
)`,
	`CREATE INDEX IF NOT EXISTS kakaologin_outbox_topic_idx ON {outbox} (topic, id)`,
	`CREATE INDEX IF NOT EXISTS kakaologin_outbox_enqueued_idx ON {outbox} (enqueued)`,
}

// Table names without a schema.
const (
	tableSessions     = "kakaologin_sessions"
	tableUserSessions = "kakaologin_user_sessions"
	tableLocks        = "kakaologin_locks"
	tableLinks        = "kakaologin_links"
	tableOutbox       = "kakaologin_outbox"
)

// tableNames are the placeholders of every table of the store.
var tableNames = []string{"{sessions}", "{user_sessions}", "{locks}", "{links}", "{outbox}"}

// ddlLockClass is the first key of the advisory lock taken around schema
// creation ("kl" in ASCII); the second is a hash of the schema name. Two
// instances starting at once thus create the tables one after the other,
// instead of one failing on a duplicate catalog entry.
const ddlLockClass = 0x6b6c

// tableNamer expands the {table} placeholders of a statement for one schema.
type tableNamer struct {
	r *strings.Replacer
}

func newTableNamer(schema string) tableNamer {
	name := func(table string) string {
		if schema == "" {
			return table
		}
		return pgx.Identifier{schema, table}.Sanitize()
	}
	return tableNamer{strings.NewReplacer(
		"{sessions}", name(tableSessions),
		"{user_sessions}", name(tableUserSessions),
		"{locks}", name(tableLocks),
		"{links}", name(tableLinks),
		"{outbox}", name(tableOutbox),
	)}
}

func (n tableNamer) sql(template string) string { return n.r.Replace(template) }

// checkSchemaName rejects names PostgreSQL cannot hold.
func checkSchemaName(schema string) error {
	switch {
	case len(schema) > 63:
		return errors.New("schema name longer than 63 bytes")
	case strings.ContainsRune(schema, 0):
		return errors.New("schema name contains a NUL byte")
	}
	return nil
}

// createTables creates the schema (when one is configured) and the tables,
// if missing, in one transaction under an advisory lock.
func createTables(ctx context.Context, pool *pgxpool.Pool, schema string, n tableNamer) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx,
			`SELECT pg_advisory_xact_lock($1, hashtext(coalesce(nullif($2, ''), current_schema())))`,
			int32(ddlLockClass), schema)
		if err != nil {
			return err
		}
		if schema != "" {
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
				return err
			}
		}
		for _, stmt := range tableDDL {
			if _, err := tx.Exec(ctx, n.sql(stmt)); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkTables reports which of the store's tables are missing, for a store
// whose schema is managed by an operator.
func checkTables(ctx context.Context, pool *pgxpool.Pool, n tableNamer) error {
	var missing []string
	for _, t := range tableNames {
		var exists bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, n.sql(t)).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			missing = append(missing, n.sql(t))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing tables %s (create them with the SQL in the package documentation, or allow create_tables)",
			strings.Join(missing, ", "))
	}
	return nil
}
