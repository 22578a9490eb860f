// Package store defines the session store that kakaologin's session layer
// and account linking run on, and opens one by URL.
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"),
//		memory.Backend, sqlite.Backend, redis.Backend, postgres.Backend)
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// # The contract
//
// A Store holds four things for every instance of an app:
//
//   - sessions: opaque bytes under a token, until an expiry (FindCtx,
//     CommitCtx, DeleteCtx). Tokens are hashed by the session layer before
//     they reach a Store, so a Store never sees a cookie value and a
//     leaked store does not leak sessions.
//   - revocations: DeleteCtx and RevokeUser leave a tombstone that makes
//     a later CommitCtx or CompareAndSwap fail with ErrRevoked, for at
//     least RevocationTTL, so a request that loaded a session before a
//     logout cannot save it back.
//   - a per-user index of session tokens (AddUserSession, UserSessions,
//     RevokeUser), so that logout-everywhere, unlink and Kakao's unlink
//     callback end all of one user's sessions at a cost proportional to
//     that user's sessions.
//   - locks with ttl and fencing value (TryLock, Unlock) and an atomic
//     CompareAndSwap, for the single-flight token refresh across
//     instances (Kakao may rotate the refresh token, so two instances
//     refreshing at once would lose one); and a LinkStore tying each Kakao
//     ID to at most one host user and back.
//
// Every method takes a context and honours its cancellation and deadline,
// so a slow or hung backend cannot hold a request. Errors caused by a
// backend that does not answer match ErrUnavailable, which the session
// middleware turns into a 503;
// ErrRevoked, ErrNotFound and ErrLinkConflict are the answers callers
// branch on. The package store/storetest holds the conformance suite that
// every backend passes, and Faulty, a wrapper that injects failures.
//
// # Backends
//
// Each backend is its own package, so an app links only the drivers it
// names; they are passed to Open explicitly instead of registering
// themselves in a global table.
//
//	memory:                               memory.Backend: in-process, for tests and development;
//	                                      lost on restart; ?cleanup_interval=DURATION
//	sqlite:path/to/file.db                sqlite.Backend: one SQLite file, pure Go, for a single host
//	redis://[:password@]host:6379/0       redis.Backend: Redis (rediss:// for TLS), also Sentinel and Cluster
//	postgres://user:password@host/db      postgres.Backend: PostgreSQL (postgresql:// too), ?schema=NAME
//
// Errors from Open name the backend and the address, never the password
// (see Redact).
//
// # Why not scs's store modules
//
// The sessions themselves are alexedwards/scs sessions, and scs ships
// stores for these same databases. We do not use them, because scs's Store
// is find, commit and delete only: it has no tombstones (a slow request
// finishing after logout would save the session again), no
// compare-and-swap, no per-user index (revoking one user would need
// Iterate over every session), no locks and no link table, and its stores
// do not report an unreachable server as one recognisable error. Each of
// our backends implements scs's store methods itself, in one statement or
// script per operation so that it is atomic across instances, together
// with everything Store adds.
package store
