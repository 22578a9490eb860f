package postgres

import (
	"fmt"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Every "is it still live" test below compares with the database clock,
// now(), never with the app's clock: see "Clocks" in the package doc.
const (
	sqlFind = `SELECT data FROM {sessions} WHERE token = $1 AND NOT revoked AND expiry > now()`

	// sqlCommit returns no row when a live revocation blocked the write.
	sqlCommit = `INSERT INTO {sessions} AS s (token, data, revoked, expiry) VALUES ($1, $2, false, $3)
ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, revoked = false, expiry = EXCLUDED.expiry
WHERE NOT s.revoked OR s.expiry <= now()
RETURNING true`

	// sqlCASAbsent stores only over no row or a row that is no longer live.
	// It reports (stored, revoked); revoked is read from the statement's
	// snapshot and only decides which answer a failed swap gives.
	sqlCASAbsent = `WITH w AS (
	INSERT INTO {sessions} AS s (token, data, revoked, expiry) VALUES ($1, $2, false, $3)
	ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, revoked = false, expiry = EXCLUDED.expiry
	WHERE s.expiry <= now()
	RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM w),
	EXISTS (SELECT 1 FROM {sessions} WHERE token = $1 AND revoked AND expiry > now())`

	// sqlCASEqual stores only over live data equal to $4.
	sqlCASEqual = `WITH w AS (
	UPDATE {sessions} SET data = $2, expiry = $3
	WHERE token = $1 AND NOT revoked AND expiry > now() AND data = $4
	RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM w),
	EXISTS (SELECT 1 FROM {sessions} WHERE token = $1 AND revoked AND expiry > now())`

	sqlDeleteTemplate = `INSERT INTO {sessions} AS s (token, data, revoked, expiry) VALUES ($1, NULL, true, now() + {ttl})
ON CONFLICT (token) DO UPDATE SET data = NULL, revoked = true, expiry = GREATEST(s.expiry, EXCLUDED.expiry)`

	sqlAddUserSession = `INSERT INTO {user_sessions} AS u (user_id, token, expiry) VALUES ($1, $2, $3)
ON CONFLICT (user_id, token) DO UPDATE SET expiry = GREATEST(u.expiry, EXCLUDED.expiry)`

	sqlRemoveUserSession = `DELETE FROM {user_sessions} WHERE user_id = $1 AND token = $2`

	sqlUserSessions = `SELECT token FROM {user_sessions} WHERE user_id = $1 AND expiry > now()`

	// sqlRevokeUserTemplate empties the user's index and tombstones each of
	// its tokens in one statement, so in one transaction. It touches only
	// the user's rows (primary key lookups), and locks session rows in
	// token order so that concurrent revocations cannot deadlock.
	sqlRevokeUserTemplate = `WITH gone AS (
	DELETE FROM {user_sessions} WHERE user_id = $1 RETURNING token, expiry
), ended AS (
	INSERT INTO {sessions} AS s (token, data, revoked, expiry)
	SELECT token, NULL, true, GREATEST(expiry, now() + {ttl}) FROM gone ORDER BY token
	ON CONFLICT (token) DO UPDATE SET data = NULL, revoked = true, expiry = GREATEST(s.expiry, EXCLUDED.expiry)
)
SELECT count(*) FROM gone WHERE expiry > now()`

	// sqlTryLock takes a free or expired lock and returns no row otherwise.
	sqlTryLock = `INSERT INTO {locks} AS l (name, fence, expiry) VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (name) DO UPDATE SET fence = EXCLUDED.fence, expiry = EXCLUDED.expiry
WHERE l.expiry <= now()
RETURNING true`

	sqlUnlock = `DELETE FROM {locks} WHERE name = $1 AND fence = $2`

	// sqlLink inserts unless either side is taken (no conflict target, so
	// both unique constraints count) and returns no row in that case.
	sqlLink = `INSERT INTO {links} (kakao_id, user_id, linked_at) VALUES ($1, $2, coalesce($3, now()))
ON CONFLICT DO NOTHING
RETURNING linked_at`

	sqlLinkByKakaoID = `SELECT kakao_id, user_id, linked_at FROM {links} WHERE kakao_id = $1`
	sqlLinkByUserID  = `SELECT kakao_id, user_id, linked_at FROM {links} WHERE user_id = $1`
	sqlUnlink        = `DELETE FROM {links} WHERE kakao_id = $1 RETURNING kakao_id, user_id, linked_at`

	sqlEnqueue = `INSERT INTO {outbox} (topic, payload) VALUES ($1, $2) RETURNING id`

	// sqlClaim leases the oldest $2 messages of topic $1 that are not
	// leased and younger than the retention, skipping rows another claim
	// holds locked, so that concurrent claims get disjoint messages
	// without waiting for each other.
	sqlClaimTemplate = `WITH c AS (
	SELECT id FROM {outbox}
	WHERE topic = $1 AND lease_end <= now() AND enqueued > now() - {retention}
	ORDER BY id LIMIT $2
	FOR UPDATE SKIP LOCKED
)
UPDATE {outbox} AS o SET attempts = o.attempts + 1, lease = $3, lease_end = now() + $4::interval
FROM c WHERE o.id = c.id
RETURNING o.id, o.payload, o.attempts, o.enqueued`

	// sqlAck deletes the message only while $3 is its lease, and reports
	// (deleted, existed).
	sqlAck = `WITH d AS (
	DELETE FROM {outbox} WHERE id = $1 AND topic = $2 AND lease = $3 AND $3 <> '' RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM d), EXISTS (SELECT 1 FROM {outbox} WHERE id = $1 AND topic = $2)`

	// The cleanup statements delete at most $1 expired rows each, skipping
	// rows that a request holds locked, so that several instances can clean
	// at once without waiting on each other or on requests.
	sqlCleanSessions = `DELETE FROM {sessions} WHERE token IN (
	SELECT token FROM {sessions} WHERE expiry <= now() LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expiry <= now()`
	sqlCleanUserSessions = `DELETE FROM {user_sessions} WHERE (user_id, token) IN (
	SELECT user_id, token FROM {user_sessions} WHERE expiry <= now() LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expiry <= now()`
	sqlCleanLocks = `DELETE FROM {locks} WHERE name IN (
	SELECT name FROM {locks} WHERE expiry <= now() LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expiry <= now()`
	sqlCleanOutboxTemplate = `DELETE FROM {outbox} WHERE id IN (
	SELECT id FROM {outbox} WHERE enqueued <= now() - {retention} LIMIT $1 FOR UPDATE SKIP LOCKED
) AND enqueued <= now() - {retention}`
)

// queries holds the statements of one Store with its table names filled in.
type queries struct {
	find, commit, casAbsent, casEqual, delete                   string
	addUserSession, removeUserSession, userSessions, revokeUser string
	tryLock, unlock                                             string
	link, linkByKakaoID, linkByUserID, unlink                   string
	enqueue, claim, ack                                         string
	clean                                                       []string
}

func newQueries(n tableNamer) queries {
	// store.RevocationTTL as an SQL interval literal.
	ttl := fmt.Sprintf("interval '%d microseconds'", store.RevocationTTL/time.Microsecond)
	withTTL := func(s string) string {
		return n.sql(strings.ReplaceAll(s, "{ttl}", ttl))
	}
	// store.OutboxRetention as an SQL interval literal.
	retention := fmt.Sprintf("interval '%d microseconds'", store.OutboxRetention/time.Microsecond)
	withRetention := func(s string) string {
		return n.sql(strings.ReplaceAll(s, "{retention}", retention))
	}
	return queries{
		find:              n.sql(sqlFind),
		commit:            n.sql(sqlCommit),
		casAbsent:         n.sql(sqlCASAbsent),
		casEqual:          n.sql(sqlCASEqual),
		delete:            withTTL(sqlDeleteTemplate),
		addUserSession:    n.sql(sqlAddUserSession),
		removeUserSession: n.sql(sqlRemoveUserSession),
		userSessions:      n.sql(sqlUserSessions),
		revokeUser:        withTTL(sqlRevokeUserTemplate),
		tryLock:           n.sql(sqlTryLock),
		unlock:            n.sql(sqlUnlock),
		link:              n.sql(sqlLink),
		linkByKakaoID:     n.sql(sqlLinkByKakaoID),
		linkByUserID:      n.sql(sqlLinkByUserID),
		unlink:            n.sql(sqlUnlink),
		enqueue:           n.sql(sqlEnqueue),
		claim:             withRetention(sqlClaimTemplate),
		ack:               n.sql(sqlAck),
		clean: []string{n.sql(sqlCleanSessions), n.sql(sqlCleanUserSessions), n.sql(sqlCleanLocks),
			withRetention(sqlCleanOutboxTemplate)},
	}
}
