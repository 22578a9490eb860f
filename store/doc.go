// Package store defines the storage that kakaologin's session layer and
// account linking run on, as a few small roles, and opens a backend that
// implements all of them by URL.
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"),
//		memory.Backend, sqlite.Backend, redis.Backend, postgres.Backend)
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// # Roles
//
// Each role is an interface of two to four methods with an exact contract.
// Code takes the narrowest role it needs, so a test or a custom backend
// implements only that.
//
//   - Sessions: opaque bytes under a token until an expiry (Find, Commit,
//     Delete, the shape scs's CtxStore needs), with revocation: Delete
//     leaves a tombstone that makes a later Commit or CompareAndSwap fail
//     with ErrRevoked for at least RevocationTTL, so a request that loaded
//     a session before a logout cannot save it back. CompareAndSwap lets
//     two concurrent requests of one session write without losing either
//     update. Tokens are hashed by the session layer before they get here,
//     so a leaked store does not leak sessions.
//   - UserIndex: which tokens belong to which user (AddUserSession,
//     UserSessions, RevokeUser), so that logout-everywhere, unlink and
//     Kakao's unlink callback end all of one user's sessions at a cost
//     proportional to that user's sessions.
//   - Locker: named locks with a ttl and a fencing value (TryLock,
//     Unlock), shared by every instance.
//   - Links: each Kakao ID tied to at most one host user and back.
//   - Outbox: a durable queue per topic (Enqueue, Claim with a lease, Ack)
//     for work that must eventually happen even if the instance that
//     started it stops.
//
// The session layer (session.New) needs a SessionStore: Sessions and
// UserIndex. kakaogin also needs a Locker from the same store, for the
// token refresh and first logins across instances, and an Outbox when it
// has an unlink hook or a link store to call (a hook that fails during the
// request is retried from there); it finds both on the session store.
// Store is every role together, plus Ping and Close: what Open returns and
// what each backend below implements.
//
// Every method takes a context and honours its cancellation and deadline,
// so a slow or hung backend cannot hold a request. Errors caused by a
// backend that does not answer match ErrUnavailable, which the session
// middleware turns into a 503; ErrRevoked, ErrNotFound, ErrLinkConflict
// and ErrLeaseLost are the answers callers branch on. The package
// store/storetest holds the conformance suite, one part per role, that
// every backend passes, and Faulty, a wrapper that injects failures.
//
// # Backends
//
// Each backend is its own package, and those with a database driver their
// own module, so an app links and downloads only the drivers it names;
// they are passed to Open explicitly instead of registering themselves in
// a global table.
//
//	memory:                               memory.Backend: in-process, for tests and development;
//	                                      lost on restart; ?cleanup_interval=DURATION
//	sqlite:path/to/file.db                sqlite.Backend: one SQLite file, pure Go, for a single host
//	redis://[:password@]host:6379/0       redis.Backend: Redis (rediss:// for TLS), also Sentinel and Cluster
//	postgres://user:password@host/db      postgres.Backend: PostgreSQL (postgresql:// too), ?schema=NAME
//	mysql://user:password@host:3306/db    mysql.Backend: MySQL or MariaDB (mariadb:// too), ?table_prefix=NAME
//
// Errors from Open name the backend and the address, never the password.
//
// # Why not scs's store modules
//
// The sessions themselves are alexedwards/scs sessions, and scs ships
// stores for these same databases. We do not use them, because scs's Store
// is find, commit and delete only: it has no tombstones (a slow request
// finishing after logout would save the session again), no
// compare-and-swap, no per-user index (revoking one user would need
// Iterate over every session), no locks, links or queue, and its stores
// do not report an unreachable server as one recognisable error. Each of
// our backends implements the session methods itself, in one statement or
// script per operation so that it is atomic across instances, together
// with the other roles.
package store
