// Package mysql is the MySQL and MariaDB backend of store: sessions, the
// per-user session index, locks, Kakao links and the outbox, kept in five
// InnoDB tables that every app instance shares, through database/sql and
// the go-sql-driver/mysql driver. It needs MySQL 8.0 or MariaDB 10.6 or
// later (for SELECT … FOR UPDATE SKIP LOCKED).
//
//	st, err := mysql.Open(ctx, "mysql://app:secret@db:3306/app?tls=true&table_prefix=kakaologin_")
//	if err != nil {
//		return err // matches store.ErrUnavailable when the server does not answer
//	}
//	defer st.Close()
//
// or, naming backends at run time,
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"), mysql.Backend, memory.Backend)
//
// The URL is mysql://user:password@host:port/database (mariadb:// too; the
// port defaults to 3306). Its query carries the driver's DSN parameters
// (tls, timeout, readTimeout, writeTimeout, charset, collation,
// interpolateParams, server variables such as time_zone, …) and this
// package's own: table_prefix, max_conns, cleanup_interval and
// create_tables. An app that builds its driver configuration in code (a
// custom TLS configuration, say) uses New instead.
//
// # Timeouts and failover
//
// Timeouts the URL leaves unset get values suited to a session store in
// front of every request: 3 s to connect (timeout), 5 s for each read and
// write on the connection (readTimeout, writeTimeout), on top of the
// deadline of each call's context. A server that stops answering therefore
// fails calls within seconds with store.ErrUnavailable (the session
// middleware answers 503), and the pool drops the broken connections, so
// the same Store works again by itself once the server is back. Unless the
// URL says otherwise, the store sets interpolateParams=true (one round trip
// per statement instead of two; the driver escapes every value) and
// rejectReadOnly=true (a primary demoted to a read-only replica in a
// failover drops the connection, so the pool reconnects to the new
// primary). It always sets parseTime=true, loc=UTC and
// clientFoundRows=false, whatever the URL says: its statements rely on
// them (see below). The pool keeps at most 10 connections (max_conns=N or
// WithMaxConns).
//
// # Schema
//
// Open creates the tables when they are missing, each in one statement
// that holds the table name's metadata lock, so several instances may
// start at once. Every table name starts with the prefix "kakaologin_",
// or the one given by table_prefix=NAME (or WithTablePrefix): several apps,
// or parallel tests, can share one database with one prefix each.
// Operators who manage schemas themselves run the SQL below (with their
// prefix) and open the store with create_tables=false (or
// WithCreateTables(false)):
//
//	CREATE TABLE IF NOT EXISTS `kakaologin_sessions` (
//		token   VARBINARY(512)  NOT NULL,
//		data    LONGBLOB,
//		revoked BOOLEAN         NOT NULL DEFAULT FALSE,
//		expiry  DATETIME(6)     NOT NULL,
//		version BIGINT UNSIGNED NOT NULL DEFAULT 0,
//		PRIMARY KEY (token),
//		KEY expiry_idx (expiry)
//	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
//	CREATE TABLE IF NOT EXISTS `kakaologin_user_sessions` (
//		user_id VARBINARY(512) NOT NULL,
//		token   VARBINARY(512) NOT NULL,
//		expiry  DATETIME(6)    NOT NULL,
//		PRIMARY KEY (user_id, token),
//		KEY expiry_idx (expiry)
//	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
//	CREATE TABLE IF NOT EXISTS `kakaologin_locks` (
//		name   VARBINARY(512) NOT NULL,
//		fence  VARBINARY(64)  NOT NULL,
//		expiry DATETIME(6)    NOT NULL,
//		PRIMARY KEY (name),
//		KEY expiry_idx (expiry)
//	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
//	CREATE TABLE IF NOT EXISTS `kakaologin_links` (
//		kakao_id  BIGINT         NOT NULL,
//		user_id   VARBINARY(512) NOT NULL,
//		linked_at DATETIME(6)    NOT NULL,
//		PRIMARY KEY (kakao_id),
//		UNIQUE KEY user_id_key (user_id)
//	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
//	CREATE TABLE IF NOT EXISTS `kakaologin_outbox` (
//		id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
//		topic     VARBINARY(512)  NOT NULL,
//		payload   LONGBLOB        NOT NULL,
//		enqueued  DATETIME(6)     NOT NULL,
//		attempts  INT             NOT NULL DEFAULT 0,
//		lease     VARBINARY(64)   NOT NULL DEFAULT '',
//		lease_end DATETIME(6)     NOT NULL DEFAULT '1000-01-01 00:00:00',
//		PRIMARY KEY (id),
//		KEY topic_idx (topic, id),
//		KEY enqueued_idx (enqueued)
//	) ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
//
// Tokens (already hashed by the session layer), user IDs, lock names and
// topics are VARBINARY, compared byte for byte whatever the server's
// collation: "A" and "a" are two users, and any byte string is a valid
// token. Each is at most 512 bytes; a longer one is refused with an error
// rather than cut short. A revoked session keeps its row with data NULL
// and revoked true until the revocation expires; that row is the tombstone
// that makes a later Commit or CompareAndSwap return store.ErrRevoked.
//
// Each session write is one statement (INSERT … ON DUPLICATE KEY UPDATE,
// or UPDATE … WHERE) that InnoDB runs under the row's lock, so revocation
// checks, compare-and-swap and lock taking are atomic across connections
// and app instances. A write that is refused leaves the row unchanged,
// which the server reports as zero changed rows (hence clientFoundRows
// off); the version column changes with every accepted write, so that
// writing the same data again still counts as a change. A statement the
// server picks as a deadlock victim is rolled back whole and run again.
// RevokeUser locks the user's rows of kakaologin_user_sessions by primary
// key, tombstones their tokens and deletes those rows in one transaction:
// its cost grows with that user's sessions, not with the table. Locks are
// rows of kakaologin_locks rather than GET_LOCK locks, because those
// belong to one connection and cannot carry a ttl or a fencing value.
// Links rely on the primary key and the unique key: of two first logins
// linking one Kakao user at once, one insert fails with a duplicate key.
// An outbox message is a row of kakaologin_outbox: Claim takes the oldest
// unleased rows of a topic with SELECT … FOR UPDATE and sets their lease
// in the same transaction, so concurrent claims, also from other
// instances, get disjoint messages (one waits a moment for the other's
// rows, then finds them leased); Ack deletes the row only while it still
// holds the claimer's lease.
//
// # Clocks
//
// Every "has it expired" decision, and the start of every revocation, lock
// ttl and outbox lease, uses the database clock, UTC_TIMESTAMP(6), never
// the app's, and never NOW(), which follows the connection's time_zone.
// Every time column is a DATETIME(6) holding UTC: the driver sends and
// reads times in UTC (loc=UTC, parseTime=true), so neither the server's
// nor the connection's time zone moves an expiry. Times are kept to the
// microsecond, the finest DATETIME(6) holds; the store truncates finer
// ones itself, because MySQL would round them and MariaDB truncates. A
// time outside what DATETIME holds (before the year 1000, such as a zero
// time.Time, or after 9999) is stored as its nearest bound: already
// expired, or never. Expiry times handed to the store by the app (a
// session's idle or absolute deadline) are stored as given, and a zero
// Link.LinkedAt is the database clock's time. So all instances agree with
// each other whatever their own clocks say, and a skew between app and
// database only makes sessions end that much earlier or later: a
// revocation is written and checked on the same clock and lasts at least
// store.RevocationTTL, so no skew can let a revoked session be saved
// again. Keep the clocks in sync with NTP all the same.
//
// # Cleanup
//
// A goroutine started by Open deletes expired rows, and outbox messages
// older than store.OutboxRetention, every five minutes
// (cleanup_interval=DURATION or WithCleanupInterval; zero turns it off),
// in small transactions that skip rows other transactions hold (FOR
// UPDATE SKIP LOCKED), so several instances may clean at once. Close stops
// it.
//
// # Errors
//
// Errors caused by the server not answering (refused or lost connection,
// timeouts, server shutting down or read-only, too many connections, a
// lock wait timeout) match store.ErrUnavailable and keep the driver's
// error in their chain. Error messages name the host, port and database,
// never the password, and the driver's own log lines go to WithLogger's
// logger instead of stderr.
//
// # Why not scs's mysqlstore
//
// scs ships a MySQL store, but it only finds, commits and deletes: it has
// no revocation tombstones (a request finishing after logout would save
// the session again), no compare-and-swap, no per-user index, locks or
// links, and it does not report an unreachable server as
// store.ErrUnavailable. This package implements the session methods
// itself, in the same spirit, together with the other roles of
// store.Store.
package mysql
