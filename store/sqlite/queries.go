package sqlite

import (
	"strconv"

	"github.com/kakaologin/kakaologin/store"
)

// Statements of the Store. Times are INTEGER nanoseconds since the Unix
// epoch, and "now" is always a parameter taken from the Store's clock (see
// "Clocks" in the package doc). Tokens are bound as BLOBs, so any byte
// string is a valid token.
const (
	sqlFind = `SELECT data FROM kakaologin_sessions WHERE token = ?1 AND expiry > ?2`

	// sqlCommit stores nothing (0 rows changed) when a live tombstone
	// revokes the token.
	sqlCommit = `INSERT INTO kakaologin_sessions (token, data, expiry)
SELECT ?1, ?2, ?3
WHERE NOT EXISTS (SELECT 1 FROM kakaologin_tombstones WHERE token = ?1 AND expiry > ?4)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`

	sqlRevoked = `SELECT EXISTS (SELECT 1 FROM kakaologin_tombstones WHERE token = ?1 AND expiry > ?2)`

	// sqlCASAbsent stores over no row or an expired one.
	sqlCASAbsent = `INSERT INTO kakaologin_sessions (token, data, expiry) VALUES (?1, ?2, ?3)
ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry
WHERE kakaologin_sessions.expiry <= ?4`

	// sqlCASEqual stores over live data equal to ?5.
	sqlCASEqual = `UPDATE kakaologin_sessions SET data = ?2, expiry = ?3
WHERE token = ?1 AND expiry > ?4 AND data = ?5`

	// sqlTombstone revokes ?1 until the later of ?2 (now+RevocationTTL),
	// the session's own expiry and an existing revocation's.
	sqlTombstone = `INSERT INTO kakaologin_tombstones (token, expiry)
SELECT ?1, max(?2, coalesce((SELECT expiry FROM kakaologin_sessions WHERE token = ?1), ?2))
WHERE true
ON CONFLICT (token) DO UPDATE SET expiry = max(kakaologin_tombstones.expiry, excluded.expiry)`

	sqlDeleteSession = `DELETE FROM kakaologin_sessions WHERE token = ?1`

	sqlAddUserSession = `INSERT INTO kakaologin_user_sessions (user_id, token, expiry) VALUES (?1, ?2, ?3)
ON CONFLICT (user_id, token) DO UPDATE SET expiry = max(kakaologin_user_sessions.expiry, excluded.expiry)`

	sqlRemoveUserSession = `DELETE FROM kakaologin_user_sessions WHERE user_id = ?1 AND token = ?2`

	sqlUserSessions = `SELECT token FROM kakaologin_user_sessions WHERE user_id = ?1 AND expiry > ?2`

	// The RevokeUser statements read and write only rows of user ?1, by
	// primary key: their cost grows with that user's sessions only.
	sqlRevokeUserTombstones = `INSERT INTO kakaologin_tombstones (token, expiry)
SELECT u.token, max(u.expiry, coalesce(s.expiry, ?2), ?2)
FROM kakaologin_user_sessions AS u LEFT JOIN kakaologin_sessions AS s ON s.token = u.token
WHERE u.user_id = ?1
ON CONFLICT (token) DO UPDATE SET expiry = max(kakaologin_tombstones.expiry, excluded.expiry)`
	sqlRevokeUserSessions = `DELETE FROM kakaologin_sessions
WHERE token IN (SELECT token FROM kakaologin_user_sessions WHERE user_id = ?1)`
	sqlRevokeUserCount = `SELECT count(*) FROM kakaologin_user_sessions WHERE user_id = ?1 AND expiry > ?2`
	sqlRevokeUserIndex = `DELETE FROM kakaologin_user_sessions WHERE user_id = ?1`

	// sqlTryLock takes a free or expired lock; 0 rows changed otherwise.
	sqlTryLock = `INSERT INTO kakaologin_locks (name, fence, expiry) VALUES (?1, ?2, ?3)
ON CONFLICT (name) DO UPDATE SET fence = excluded.fence, expiry = excluded.expiry
WHERE kakaologin_locks.expiry <= ?4`

	sqlUnlock = `DELETE FROM kakaologin_locks WHERE name = ?1 AND fence = ?2`

	sqlEnqueue = `INSERT INTO kakaologin_outbox (topic, payload, enqueued) VALUES (?1, ?2, ?3) RETURNING id`

	// sqlClaim leases the oldest ?4 messages of topic ?1 that are not
	// leased at ?2 (now) and were enqueued after ?5, until ?3, under the
	// lease ?6.
	sqlClaim = `UPDATE kakaologin_outbox SET attempts = attempts + 1, lease = ?6, lease_end = ?3
WHERE id IN (
	SELECT id FROM kakaologin_outbox
	WHERE topic = ?1 AND lease_end <= ?2 AND enqueued > ?5
	ORDER BY id LIMIT ?4
)
RETURNING id, payload, enqueued, attempts`

	// sqlAck deletes the message only while ?3 is its lease.
	sqlAck       = `DELETE FROM kakaologin_outbox WHERE id = ?1 AND topic = ?2 AND lease = ?3 AND lease <> ''`
	sqlAckExists = `SELECT EXISTS (SELECT 1 FROM kakaologin_outbox WHERE id = ?1 AND topic = ?2)`

	sqlLinkByKakaoID = `SELECT kakao_id, user_id, linked_at FROM kakaologin_links WHERE kakao_id = ?1`
	sqlLinkByUserID  = `SELECT kakao_id, user_id, linked_at FROM kakaologin_links WHERE user_id = ?1`
	sqlLinkEither    = `SELECT kakao_id, user_id, linked_at FROM kakaologin_links WHERE kakao_id = ?1 OR user_id = ?2`
	sqlLinkInsert    = `INSERT INTO kakaologin_links (kakao_id, user_id, linked_at) VALUES (?1, ?2, ?3)`
	sqlUnlink        = `DELETE FROM kakaologin_links WHERE kakao_id = ?1 RETURNING kakao_id, user_id, linked_at`
)

// cleanupStatements delete at most ?2 rows expired at ?1 each, so that a
// large backlog is removed in short write transactions that let requests
// in between.
var cleanupStatements = [...]string{
	`DELETE FROM kakaologin_sessions WHERE token IN
	(SELECT token FROM kakaologin_sessions WHERE expiry <= ?1 LIMIT ?2)`,
	`DELETE FROM kakaologin_tombstones WHERE token IN
	(SELECT token FROM kakaologin_tombstones WHERE expiry <= ?1 LIMIT ?2)`,
	`DELETE FROM kakaologin_user_sessions WHERE (user_id, token) IN
	(SELECT user_id, token FROM kakaologin_user_sessions WHERE expiry <= ?1 LIMIT ?2)`,
	`DELETE FROM kakaologin_locks WHERE name IN
	(SELECT name FROM kakaologin_locks WHERE expiry <= ?1 LIMIT ?2)`,
	// Messages enqueued store.OutboxRetention or longer ago.
	`DELETE FROM kakaologin_outbox WHERE id IN
	(SELECT id FROM kakaologin_outbox WHERE enqueued <= ?1 - ` + strconv.FormatInt(int64(store.OutboxRetention), 10) + ` LIMIT ?2)`,
}
