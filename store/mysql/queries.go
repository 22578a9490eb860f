package mysql

import (
	"fmt"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Every "is it still live" test below compares with the database clock,
// UTC_TIMESTAMP(6), never with the app's clock nor with NOW(), which
// follows the connection's time_zone: see "Clocks" in the package doc.
//
// The writes that may be refused are single INSERT … ON DUPLICATE KEY
// UPDATE or UPDATE statements whose refusal leaves the row as it was; the
// server then reports zero changed rows (the driver's clientFoundRows is
// off). Each accepted write changes the row's version, so that it counts
// as a change even when it stores the same data and expiry again. In the
// ON DUPLICATE KEY UPDATE lists every condition reads only columns not yet
// assigned, or whose assignment leaves the condition's answer unchanged,
// so they mean the same whether the server evaluates the assignments left
// to right (MySQL, MariaDB) or all on the old row (MariaDB's
// SIMULTANEOUS_ASSIGNMENT mode).
const (
	sqlFind = `SELECT data FROM {sessions} WHERE token = ? AND NOT revoked AND expiry > {now}`

	// sqlCommit changes nothing over a live revocation.
	sqlCommit = `INSERT INTO {sessions} (token, data, revoked, expiry, version) VALUES (?, ?, FALSE, ?, 1)
ON DUPLICATE KEY UPDATE
	data = IF(revoked AND expiry > {now}, data, VALUES(data)),
	version = IF(revoked AND expiry > {now}, version, version + 1),
	revoked = IF(revoked AND expiry > {now}, revoked, FALSE),
	expiry = IF(revoked AND expiry > {now}, expiry, VALUES(expiry))`

	// sqlCASAbsent stores only over no row or a row that is no longer live.
	sqlCASAbsent = `INSERT INTO {sessions} (token, data, revoked, expiry, version) VALUES (?, ?, FALSE, ?, 1)
ON DUPLICATE KEY UPDATE
	data = IF(expiry > {now}, data, VALUES(data)),
	version = IF(expiry > {now}, version, version + 1),
	revoked = IF(expiry > {now}, revoked, FALSE),
	expiry = IF(expiry > {now}, expiry, VALUES(expiry))`

	// sqlCASEqual stores only over live data equal to the last argument.
	sqlCASEqual = `UPDATE {sessions} SET data = ?, expiry = ?, version = version + 1
WHERE token = ? AND NOT revoked AND expiry > {now} AND data = ?`

	// sqlRevoked tells, after a refused swap, whether a live revocation
	// refused it.
	sqlRevoked = `SELECT EXISTS (SELECT 1 FROM {sessions} WHERE token = ? AND revoked AND expiry > {now})`

	sqlDelete = `INSERT INTO {sessions} (token, data, revoked, expiry, version) VALUES (?, NULL, TRUE, {now} + {ttl}, 1)
ON DUPLICATE KEY UPDATE data = NULL, revoked = TRUE, expiry = GREATEST(expiry, VALUES(expiry)), version = version + 1`

	sqlAddUserSession = `INSERT INTO {user_sessions} (user_id, token, expiry) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE expiry = GREATEST(expiry, VALUES(expiry))`

	sqlRemoveUserSession = `DELETE FROM {user_sessions} WHERE user_id = ? AND token = ?`

	sqlUserSessions = `SELECT token FROM {user_sessions} WHERE user_id = ? AND expiry > {now}`

	// RevokeUser's transaction: lock the user's index rows (a primary key
	// range), tombstone their tokens in token order, so that concurrent
	// revocations lock session rows in the same order, and delete exactly
	// the index rows it locked.
	sqlRevokeUserSelect = `SELECT token, expiry, expiry > {now} FROM {user_sessions} WHERE user_id = ? ORDER BY token FOR UPDATE`
	sqlRevokeUserInsert = `INSERT INTO {sessions} (token, data, revoked, expiry, version) VALUES {rows}
ON DUPLICATE KEY UPDATE data = NULL, revoked = TRUE, expiry = GREATEST(expiry, VALUES(expiry)), version = version + 1`
	sqlRevokeUserRow    = `(?, NULL, TRUE, GREATEST(?, {now} + {ttl}), 1)`
	sqlRevokeUserDelete = `DELETE FROM {user_sessions} WHERE user_id = ? AND token IN ({list})`

	// sqlTryLock takes a free or expired lock and changes nothing
	// otherwise.
	sqlTryLock = `INSERT INTO {locks} (name, fence, expiry) VALUES (?, ?, {now} + INTERVAL ? MICROSECOND)
ON DUPLICATE KEY UPDATE
	fence = IF(expiry <= {now}, VALUES(fence), fence),
	expiry = IF(expiry <= {now}, VALUES(expiry), expiry)`

	sqlUnlock = `DELETE FROM {locks} WHERE name = ? AND fence = ?`

	sqlNow = `SELECT {now}`

	// sqlLink fails with a duplicate key error when either side is taken:
	// the primary key on kakao_id and the unique key on user_id.
	sqlLink = `INSERT INTO {links} (kakao_id, user_id, linked_at) VALUES (?, ?, ?)`

	sqlLinkByKakaoID = `SELECT kakao_id, user_id, linked_at FROM {links} WHERE kakao_id = ?`
	sqlLinkByUserID  = `SELECT kakao_id, user_id, linked_at FROM {links} WHERE user_id = ?`
	sqlUnlinkSelect  = `SELECT kakao_id, user_id, linked_at FROM {links} WHERE kakao_id = ? FOR UPDATE`
	sqlUnlinkDelete  = `DELETE FROM {links} WHERE kakao_id = ?`

	sqlEnqueue = `INSERT INTO {outbox} (topic, payload, enqueued) VALUES (?, ?, {now})`

	// Claim's transaction: lock the oldest claimable messages of the
	// topic, then lease them. A claim that meets a row another claim is
	// leasing waits for it (a moment: the transactions are two statements)
	// and then reads the row as committed, leased, so concurrent claims
	// get disjoint messages. Not SKIP LOCKED: InnoDB also locks, for an
	// instant, rows that another transaction's index scan merely passes
	// (a claim of the neighbouring topic, the cleanup), and skipping
	// those made a claimable message look absent.
	sqlClaimSelect = `SELECT id, payload, attempts, enqueued FROM {outbox}
WHERE topic = ? AND lease_end <= {now} AND enqueued > {now} - {retention}
ORDER BY id LIMIT ?
FOR UPDATE`
	sqlClaimUpdate = `UPDATE {outbox} SET attempts = attempts + 1, lease = ?, lease_end = {now} + INTERVAL ? MICROSECOND
WHERE id IN ({list})`

	// sqlAck deletes the message only while its lease is the claimer's;
	// sqlAckExists then tells a message leased to another from one that
	// is gone.
	sqlAck       = `DELETE FROM {outbox} WHERE id = ? AND topic = ? AND lease = ? AND lease <> ''`
	sqlAckExists = `SELECT EXISTS (SELECT 1 FROM {outbox} WHERE id = ? AND topic = ?)`
)

// The cleanup of each table: lock at most {limit} expired rows, skipping
// rows that a request holds locked, so that several instances can clean at
// once without waiting on each other or on requests; then delete them.
type cleanup struct {
	name   string // the table, for errors
	keys   int    // columns of the primary key
	selec  string // SELECT of the keys, FOR UPDATE SKIP LOCKED; LIMIT ?
	delete string // DELETE … WHERE key IN ({list}) AND still expired
}

var cleanupTemplates = []cleanup{
	{"sessions", 1,
		`SELECT token FROM {sessions} WHERE expiry <= {now} LIMIT ? FOR UPDATE SKIP LOCKED`,
		`DELETE FROM {sessions} WHERE token IN ({list}) AND expiry <= {now}`},
	{"user_sessions", 2,
		`SELECT user_id, token FROM {user_sessions} WHERE expiry <= {now} LIMIT ? FOR UPDATE SKIP LOCKED`,
		`DELETE FROM {user_sessions} WHERE (user_id, token) IN ({list}) AND expiry <= {now}`},
	{"locks", 1,
		`SELECT name FROM {locks} WHERE expiry <= {now} LIMIT ? FOR UPDATE SKIP LOCKED`,
		`DELETE FROM {locks} WHERE name IN ({list}) AND expiry <= {now}`},
	{"outbox", 1,
		`SELECT id FROM {outbox} WHERE enqueued <= {now} - {retention} LIMIT ? FOR UPDATE SKIP LOCKED`,
		`DELETE FROM {outbox} WHERE id IN ({list}) AND enqueued <= {now} - {retention}`},
}

// queries holds the statements of one Store with its table names filled in.
type queries struct {
	find, commit, casAbsent, casEqual, revoked, delete string
	addUserSession, removeUserSession, userSessions    string
	revokeUserSelect, revokeUserInsert, revokeUserRow  string
	revokeUserDelete                                   string
	tryLock, unlock                                    string
	now, link, linkByKakaoID, linkByUserID             string
	unlinkSelect, unlinkDelete                         string
	enqueue, claimSelect, claimUpdate, ack, ackExists  string
	clean                                              []cleanup
}

func newQueries(n tableNamer) queries {
	r := strings.NewReplacer(
		"{now}", "UTC_TIMESTAMP(6)",
		"{ttl}", interval(store.RevocationTTL),
		"{retention}", interval(store.OutboxRetention),
	)
	x := func(s string) string { return n.sql(r.Replace(s)) }
	q := queries{
		find:              x(sqlFind),
		commit:            x(sqlCommit),
		casAbsent:         x(sqlCASAbsent),
		casEqual:          x(sqlCASEqual),
		revoked:           x(sqlRevoked),
		delete:            x(sqlDelete),
		addUserSession:    x(sqlAddUserSession),
		removeUserSession: x(sqlRemoveUserSession),
		userSessions:      x(sqlUserSessions),
		revokeUserSelect:  x(sqlRevokeUserSelect),
		revokeUserInsert:  x(sqlRevokeUserInsert),
		revokeUserRow:     x(sqlRevokeUserRow),
		revokeUserDelete:  x(sqlRevokeUserDelete),
		tryLock:           x(sqlTryLock),
		unlock:            x(sqlUnlock),
		now:               x(sqlNow),
		link:              x(sqlLink),
		linkByKakaoID:     x(sqlLinkByKakaoID),
		linkByUserID:      x(sqlLinkByUserID),
		unlinkSelect:      x(sqlUnlinkSelect),
		unlinkDelete:      x(sqlUnlinkDelete),
		enqueue:           x(sqlEnqueue),
		claimSelect:       x(sqlClaimSelect),
		claimUpdate:       x(sqlClaimUpdate),
		ack:               x(sqlAck),
		ackExists:         x(sqlAckExists),
	}
	for _, c := range cleanupTemplates {
		q.clean = append(q.clean, cleanup{c.name, c.keys, x(c.selec), x(c.delete)})
	}
	return q
}

// interval is d as an SQL interval literal, in whole microseconds.
func interval(d time.Duration) string {
	return fmt.Sprintf("INTERVAL %d MICROSECOND", d/time.Microsecond)
}

// micros is d in whole microseconds, for a ttl or lease argument.
func micros(d time.Duration) int64 {
	return int64(d / time.Microsecond)
}

// placeholders returns n groups of k comma-separated placeholders for an
// IN list: "?, ?" for k = 1, "(?, ?), (?, ?)" for k = 2.
func placeholders(n, k int) string {
	one := "?"
	if k > 1 {
		one = "(" + strings.Repeat("?, ", k-1) + "?)"
	}
	return strings.Repeat(one+", ", n-1) + one
}

// minTime and maxTime bound what a DATETIME column holds.
var (
	minTime = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// dbTime is t as the store writes it: in UTC, truncated to the
// microseconds a DATETIME(6) keeps (MySQL would round the nanoseconds,
// MariaDB truncates them; truncating here makes both the same), and held
// within the range a DATETIME holds, so that a zero or far-future expiry
// is stored as "long ago" or "never" instead of failing the write.
func dbTime(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Microsecond)
	switch {
	case t.Before(minTime):
		return minTime
	case t.After(maxTime):
		return maxTime
	}
	return t
}

// replaceOnce fills the one {rows} or {list} slot of a statement whose
// length depends on its arguments.
func replaceOnce(query, slot, with string) string {
	return strings.Replace(query, slot, with, 1)
}
