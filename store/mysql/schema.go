package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// maxKeyLen is the longest token, user ID, lock name or outbox topic the
// store keeps, in bytes: the width of their VARBINARY columns. Together two
// of them (the user index's primary key) stay within InnoDB's 3072-byte
// index limit.
const maxKeyLen = 512

// tableDDL creates the store's tables; {sessions}, {user_sessions},
// {locks}, {links} and {outbox} stand for the (prefixed, quoted) table
// names. The package documentation shows the same SQL with the default
// prefix; a test keeps the two equal.
var tableDDL = []string{
	`CREATE TABLE IF NOT EXISTS {sessions} (
	token   VARBINARY(512)  NOT NULL,
	data    LONGBLOB,
	revoked BOOLEAN         NOT NULL DEFAULT FALSE,
	expiry  DATETIME(6)     NOT NULL,
	version BIGINT UNSIGNED NOT NULL DEFAULT 0,
	PRIMARY KEY (token),
	KEY expiry_idx (expiry)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE IF NOT EXISTS {user_sessions} (
	user_id VARBINARY(512) NOT NULL,
	token   VARBINARY(512) NOT NULL,
	expiry  DATETIME(6)    NOT NULL,
	PRIMARY KEY (user_id, token),
	KEY expiry_idx (expiry)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE IF NOT EXISTS {locks} (
	name   VARBINARY(512) NOT NULL,
	fence  VARBINARY(64)  NOT NULL,
	expiry DATETIME(6)    NOT NULL,
	PRIMARY KEY (name),
	KEY expiry_idx (expiry)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE IF NOT EXISTS {links} (
	kakao_id  BIGINT         NOT NULL,
	user_id   VARBINARY(512) NOT NULL,
	linked_at DATETIME(6)    NOT NULL,
	PRIMARY KEY (kakao_id),
	UNIQUE KEY user_id_key (user_id)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
	`CREATE TABLE IF NOT EXISTS {outbox} (
	id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
	topic     VARBINARY(512)  NOT NULL,
	payload   LONGBLOB        NOT NULL,
	enqueued  DATETIME(6)     NOT NULL,
	attempts  INT             NOT NULL DEFAULT 0,
	lease     VARBINARY(64)   NOT NULL DEFAULT '',
	lease_end DATETIME(6)     NOT NULL DEFAULT '1000-01-01 00:00:00',
	PRIMARY KEY (id),
	KEY topic_idx (topic, id),
	KEY enqueued_idx (enqueued)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC`,
}

// Table names without the prefix.
const (
	tableSessions     = "sessions"
	tableUserSessions = "user_sessions"
	tableLocks        = "locks"
	tableLinks        = "links"
	tableOutbox       = "outbox"
)

// tableNames are the placeholders of every table of the store.
var tableNames = []string{"{sessions}", "{user_sessions}", "{locks}", "{links}", "{outbox}"}

// maxPrefixLen keeps the longest table name (prefix + "user_sessions")
// within MySQL's 64-character limit on identifiers.
const maxPrefixLen = 64 - len(tableUserSessions) - 1

// tableNamer expands the {table} placeholders of a statement for one
// table prefix.
type tableNamer struct {
	prefix string
	r      *strings.Replacer
}

func newTableNamer(prefix string) tableNamer {
	q := func(table string) string { return "`" + prefix + table + "`" }
	return tableNamer{prefix, strings.NewReplacer(
		"{sessions}", q(tableSessions),
		"{user_sessions}", q(tableUserSessions),
		"{locks}", q(tableLocks),
		"{links}", q(tableLinks),
		"{outbox}", q(tableOutbox),
	)}
}

func (n tableNamer) sql(template string) string { return n.r.Replace(template) }

// bare returns the unquoted name of a table, given its placeholder.
func (n tableNamer) bare(placeholder string) string {
	return n.prefix + strings.Trim(placeholder, "{}")
}

// checkTablePrefix rejects prefixes that would make a table name invalid,
// or mean different tables on servers with case-insensitive names.
func checkTablePrefix(prefix string) error {
	if prefix == "" {
		return errors.New("empty table prefix")
	}
	if len(prefix) > maxPrefixLen {
		return fmt.Errorf("table prefix longer than %d bytes", maxPrefixLen)
	}
	for _, r := range prefix {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return fmt.Errorf("table prefix %q has a character other than a-z, 0-9 and _", prefix)
		}
	}
	return nil
}

// createTables creates the tables that are missing. CREATE TABLE IF NOT
// EXISTS takes the table name's metadata lock, so instances starting at
// once create each table once, and the others find it.
func createTables(ctx context.Context, db *sql.DB, n tableNamer) error {
	for _, stmt := range tableDDL {
		if _, err := db.ExecContext(ctx, n.sql(stmt)); err != nil {
			return err
		}
	}
	return nil
}

// checkTables reports which of the store's tables are missing, for a store
// whose schema is managed by an operator.
func checkTables(ctx context.Context, db *sql.DB, n tableNamer) error {
	var missing []string
	for _, t := range tableNames {
		var exists bool
		err := db.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?)`,
			n.bare(t)).Scan(&exists)
		if err != nil {
			return err
		}
		if !exists {
			missing = append(missing, n.bare(t))
		}
	}
	if len(missing) > 0 {
		return &missingTablesError{missing}
	}
	return nil
}

// missingTablesError names the tables an operator has yet to create. It is
// a configuration mistake, not an unavailable server: retrying will not
// help.
type missingTablesError struct{ tables []string }

func (e *missingTablesError) Error() string {
	return fmt.Sprintf("missing tables %s (create them with the SQL in the package documentation, or allow create_tables)",
		strings.Join(e.tables, ", "))
}
