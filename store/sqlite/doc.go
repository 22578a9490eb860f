// Package sqlite is the SQLite backend of store: sessions, revocations, the
// per-user session index, locks, Kakao links and the outbox, kept in one
// database file through the pure-Go driver modernc.org/sqlite (no cgo).
//
//	st, err := sqlite.Open(ctx, "/var/lib/myapp/sessions.db")
//	if err != nil {
//		return err // names the path; matches store.ErrUnavailable when the file is unusable
//	}
//	defer st.Close()
//
// or, naming backends at run time,
//
//	st, err := store.Open(ctx, "sqlite:///var/lib/myapp/sessions.db", sqlite.Backend, memory.Backend)
//
// SQLite suits a single machine: one app process, or several processes on
// the same host sharing the file. Several Stores opened on one file behave
// exactly like app instances sharing a database. Do not put the file on a
// network file system (SQLite's locking is unreliable there); use the
// redis or postgres backend for instances on several machines. In-memory
// databases (":memory:") are refused, since connections could not share
// them; use the memory backend for that.
//
// # Schema
//
// Open creates the tables when they are missing, in one write transaction,
// so several instances may start at once, and records the schema version:
//
//	CREATE TABLE IF NOT EXISTS kakaologin_schema_version (
//		version INTEGER NOT NULL
//	) STRICT;
//	CREATE TABLE IF NOT EXISTS kakaologin_sessions (
//		token  BLOB    NOT NULL PRIMARY KEY,
//		data   BLOB    NOT NULL,
//		expiry INTEGER NOT NULL
//	) STRICT, WITHOUT ROWID;
//	CREATE INDEX IF NOT EXISTS kakaologin_sessions_expiry_idx ON kakaologin_sessions (expiry);
//	CREATE TABLE IF NOT EXISTS kakaologin_tombstones (
//		token  BLOB    NOT NULL PRIMARY KEY,
//		expiry INTEGER NOT NULL
//	) STRICT, WITHOUT ROWID;
//	CREATE INDEX IF NOT EXISTS kakaologin_tombstones_expiry_idx ON kakaologin_tombstones (expiry);
//	CREATE TABLE IF NOT EXISTS kakaologin_user_sessions (
//		user_id TEXT    NOT NULL,
//		token   BLOB    NOT NULL,
//		expiry  INTEGER NOT NULL,
//		PRIMARY KEY (user_id, token)
//	) STRICT, WITHOUT ROWID;
//	CREATE INDEX IF NOT EXISTS kakaologin_user_sessions_expiry_idx ON kakaologin_user_sessions (expiry);
//	CREATE TABLE IF NOT EXISTS kakaologin_locks (
//		name   TEXT    NOT NULL PRIMARY KEY,
//		fence  TEXT    NOT NULL,
//		expiry INTEGER NOT NULL
//	) STRICT, WITHOUT ROWID;
//	CREATE TABLE IF NOT EXISTS kakaologin_links (
//		kakao_id  INTEGER NOT NULL PRIMARY KEY,
//		user_id   TEXT    NOT NULL UNIQUE,
//		linked_at INTEGER NOT NULL
//	) STRICT;
//	CREATE TABLE IF NOT EXISTS kakaologin_outbox (
//		id        INTEGER PRIMARY KEY AUTOINCREMENT,
//		topic     TEXT    NOT NULL,
//		payload   BLOB    NOT NULL,
//		enqueued  INTEGER NOT NULL,
//		attempts  INTEGER NOT NULL DEFAULT 0,
//		lease     TEXT    NOT NULL DEFAULT '',
//		lease_end INTEGER NOT NULL DEFAULT 0
//	) STRICT;
//	CREATE INDEX IF NOT EXISTS kakaologin_outbox_topic_idx ON kakaologin_outbox (topic, id);
//	CREATE INDEX IF NOT EXISTS kakaologin_outbox_enqueued_idx ON kakaologin_outbox (enqueued);
//
// Times (expiry, linked_at, enqueued, lease_end) are nanoseconds since the
// Unix epoch. Session
// tokens (already hashed by the session layer) are BLOBs, so any byte
// string is a valid token. Deleting a session, or revoking a user, removes
// the session row and writes a tombstone row that makes a later Commit
// or CompareAndSwap return store.ErrRevoked until it expires. An outbox
// message is one row; Claim sets its lease and lease_end, Ack deletes it.
//
// # Concurrency
//
// The file is in WAL mode (readers never wait for the writer) with
// synchronous=NORMAL and foreign keys on. Each Store writes through a
// single connection, so its own goroutines never contend for SQLite's
// write lock, and reads through a small pool of read-only connections
// (WithReadConns). Operations that test and then write (CompareAndSwap,
// Delete, RevokeUser, Link) run in transactions begun with BEGIN
// IMMEDIATE, which take the write lock first, so they are atomic across
// connections and processes; the others, Claim among them, are single
// statements, each atomic under the write lock.
//
// When another connection or process holds the write lock, an operation
// waits (SQLite's busy handler, then retries with jittered backoff) up to
// the busy timeout (WithBusyTimeout, default 5s) and then fails with an
// error matching store.ErrUnavailable, which the session middleware turns
// into a 503. The caller's context deadline applies throughout.
//
// # Clocks
//
// SQLite has no clock of its own: every "has it expired" decision, and the
// start of every revocation and lock ttl, uses the Store's clock
// (time.Now, or WithClock in tests). Stores sharing a file run on one
// machine and so share its clock.
//
// # Cleanup
//
// A goroutine started by Open deletes expired rows, and outbox messages
// older than store.OutboxRetention, every five minutes
// (WithCleanupInterval; zero turns it off), in batches of short write
// transactions. Close stops it. DeleteExpired runs one pass on demand.
//
// # Errors
//
// Every error names the operation; errors caused by the file being
// unusable (locked longer than the busy timeout, cannot be opened or
// created, I/O error, disk full, read-only, corrupt) or by the context
// ending match store.ErrUnavailable and keep the driver's *sqlite.Error in
// their chain. Open names the backend and the path, and says so plainly
// when the folder is missing.
package sqlite
