// Package postgres is the PostgreSQL backend of store: sessions, the
// per-user session index, locks, Kakao links and the outbox, kept in five
// tables that every app instance shares, through a pgx v5 connection pool.
//
//	st, err := postgres.Open(ctx, "postgres://app:secret@db:5432/app?sslmode=require&schema=kakaologin")
//	if err != nil {
//		return err // matches store.ErrUnavailable when the server does not answer
//	}
//	defer st.Close()
//
// or, naming backends at run time,
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"), postgres.Backend, memory.Backend)
//
// An app that already has a *pgxpool.Pool can use New instead.
//
// # Schema
//
// Open creates the tables when they are missing, in one transaction under a
// PostgreSQL advisory lock, so several instances may start at once. With
// schema=NAME (or WithSchema) the tables live in their own schema, which
// Open also creates; several apps, or parallel tests, can then share one
// database. Operators who manage schemas themselves run the SQL below (with
// the table names qualified by their schema, if they use one) and open the
// store with create_tables=false (or WithCreateTables(false)):
//
//	CREATE TABLE IF NOT EXISTS kakaologin_sessions (
//		token   bytea       PRIMARY KEY,
//		data    bytea,
//		revoked boolean     NOT NULL DEFAULT false,
//		expiry  timestamptz NOT NULL
//	);
//	CREATE INDEX IF NOT EXISTS kakaologin_sessions_expiry_idx ON kakaologin_sessions (expiry);
//	CREATE TABLE IF NOT EXISTS kakaologin_user_sessions (
//		user_id text        NOT NULL,
//		token   bytea       NOT NULL,
//		expiry  timestamptz NOT NULL,
//		PRIMARY KEY (user_id, token)
//	);
//	CREATE INDEX IF NOT EXISTS kakaologin_user_sessions_expiry_idx ON kakaologin_user_sessions (expiry);
//	CREATE TABLE IF NOT EXISTS kakaologin_locks (
//		name   text        PRIMARY KEY,
//		fence  text        NOT NULL,
//		expiry timestamptz NOT NULL
//	);
//	CREATE TABLE IF NOT EXISTS kakaologin_links (
//		kakao_id  bigint      PRIMARY KEY,
//		user_id   text        NOT NULL,
//		linked_at timestamptz NOT NULL,
//		CONSTRAINT kakaologin_links_user_id_key UNIQUE (user_id)
//	);
//	CREATE TABLE IF NOT EXISTS kakaologin_outbox (
//		id        bigserial   PRIMARY KEY,
//		topic     text        NOT NULL,
//		payload   bytea       NOT NULL,
//		enqueued  timestamptz NOT NULL DEFAULT now(),
//		attempts  integer     NOT NULL DEFAULT 0,
//		lease     text        NOT NULL DEFAULT '',
//		lease_end timestamptz NOT NULL DEFAULT '-infinity'
//	);
//	CREATE INDEX IF NOT EXISTS kakaologin_outbox_topic_idx ON kakaologin_outbox (topic, id);
//	CREATE INDEX IF NOT EXISTS kakaologin_outbox_enqueued_idx ON kakaologin_outbox (enqueued);
//
// Session tokens (already hashed by the session layer) are stored as bytea,
// so any byte string is a valid token. A revoked session keeps its row with
// data NULL and revoked true until the revocation expires; that row is the
// tombstone that makes a later Commit or CompareAndSwap return
// store.ErrRevoked. Each write is a single statement (INSERT … ON CONFLICT
// DO UPDATE … WHERE), so revocation checks, compare-and-swap, lock taking
// and linking are atomic across connections and app instances. RevokeUser
// deletes the user's rows from kakaologin_user_sessions by primary key and
// tombstones their tokens in the same statement: its cost grows with that
// user's sessions, not with the table. Locks are rows of kakaologin_locks
// rather than advisory locks, because an advisory lock belongs to one
// connection and cannot carry a ttl or a fencing value. An outbox message
// is a row of kakaologin_outbox: Claim takes the oldest unleased rows of a
// topic with SELECT … FOR UPDATE SKIP LOCKED and sets their lease in the
// same statement, so concurrent claims, also from other instances, get
// disjoint messages without waiting for each other; Ack deletes the row
// only while it still holds the claimer's lease.
//
// # Clocks
//
// Every "has it expired" decision, and the start of every revocation, lock
// ttl and outbox lease, uses the database clock (now()), never the app's. Expiry times
// handed to the store by the app (a session's idle or absolute deadline)
// are stored as given. So all instances agree with each other whatever
// their own clocks say, and a skew between app and database only makes
// sessions end that much earlier or later: a revocation is written and
// checked on the same clock and lasts at least store.RevocationTTL, so no
// skew can let a revoked session be saved again. Keep the clocks in sync
// with NTP all the same.
//
// # Cleanup
//
// A goroutine started by Open deletes expired rows, and outbox messages
// older than store.OutboxRetention, every five minutes
// (cleanup_interval=DURATION or WithCleanupInterval; zero turns it off),
// in small batches that skip rows other transactions hold, so several
// instances may clean at once. Close stops it.
//
// # Errors
//
// Errors caused by the server not answering (refused or lost connection,
// timeouts, server shutting down, too many connections) match
// store.ErrUnavailable and keep the driver's error in their chain. Each
// call is bounded by a timeout of 5 s (call_timeout=DURATION or
// WithCallTimeout; zero leaves only the caller's context), since pgx has
// no read timeout: a server that hangs with its connections open fails
// calls within seconds too, and the same Store answers again once the
// server does. Error
// messages name the host, port and database, never the password.
//
// # Why not scs's pgxstore
//
// scs ships a pgx store, but it only finds, commits and deletes: it has no
// revocation tombstones (a request finishing after logout would save the
// session again), no compare-and-swap, no per-user index, locks or links,
// and it does not report an unreachable server as store.ErrUnavailable.
// This package implements the session methods itself, in the same spirit,
// together with the other roles of store.Store.
package postgres
