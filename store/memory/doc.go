// Package memory is the in-process backend of store: sessions, the
// per-user session index, locks, Kakao links and the outbox held in maps
// behind one mutex.
//
//	st := memory.New()
//	defer st.Close()
//
// or, naming backends at run time,
//
//	st, err := store.Open(ctx, "memory:", memory.Backend, redis.Backend)
//
// It is meant for tests, demos and development. Everything lives in the
// process: a restart loses every session, flow, link and queued message,
// so users must log in again, and several app instances behind a load
// balancer do not share it. Use sqlite, redis or postgres in production.
//
// It implements every role of store.Store and passes the same conformance
// suite (store/storetest) as the other backends: revocation tombstones,
// compare-and-swap, the per-user index with RevokeUser in time
// proportional to the user's sessions, locks with random fences, links
// unique on both sides, and outbox messages leased to one claimer at a
// time. Data is copied in and out, so callers may reuse their slices.
//
// # Clock and cleanup
//
// Every expiry decision uses the store's clock, time.Now unless WithNow
// gives another (tests use a fake clock to move time without sleeping).
// Expired sessions, revocations, index entries and locks, and outbox
// messages older than store.OutboxRetention, are invisible at once and
// deleted by a goroutine every DefaultCleanupInterval
// (WithCleanupInterval; zero turns it off). Close stops that goroutine;
// every method called after Close returns an error matching ErrClosed and
// store.ErrUnavailable.
package memory
