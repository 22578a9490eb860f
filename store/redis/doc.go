// Package redis is the Redis backend of store: sessions, the per-user
// session index, locks, Kakao links and the outbox, kept in Redis keys that
// every app instance shares, through a go-redis v9 client. Standalone servers, Redis
// Sentinel and Redis Cluster all work; every multi-key operation touches a
// single hash slot.
//
//	st, err := redis.Open(ctx, "rediss://:secret@cache:6379/0?prefix=myapp:")
//	if err != nil {
//		return err // matches store.ErrUnavailable when the server does not answer
//	}
//	defer st.Close()
//
// or, naming backends at run time,
//
//	st, err := store.Open(ctx, os.Getenv("STORE_URL"), redis.Backend, memory.Backend)
//
// An app that already has a go-redis client (a *redis.Client,
// *redis.ClusterClient or failover client) can use New instead.
//
// # URLs
//
// The scheme is redis:// (plain TCP) or rediss:// (TLS). The form of the
// rest chooses the deployment:
//
//	redis://[user:password@]host:port/db                       one server
//	redis://[user:password@]host:port?cluster=true&addr=h2:p2  Redis Cluster (seed nodes)
//	redis://[user:password@]sentinel:26379/db?master_name=mymaster&addr=s2:26379&password=…
//	                                                           Redis Sentinel
//
// For Sentinel, the user info of the URL authenticates to the sentinels and
// the username= and password= query parameters to the master, as in
// go-redis's ParseFailoverURL. Every other query parameter go-redis knows
// (dial_timeout, read_timeout, pool_size, max_retries, skip_verify, …) is
// passed on; unknown ones are an error. This package adds two:
//
//	prefix=STRING   key prefix (default "kakaologin:"; see WithPrefix)
//	cluster=true    connect to a Redis Cluster
//
// Timeouts the URL leaves unset get values suited to a session store in
// front of every request: dial, read and write timeouts of 2 s, a pool
// wait of 3 s, at most 2 retries and 2 dial attempts, and request contexts
// bounding every call (ContextTimeoutEnabled, always on). A lost server therefore
// makes calls fail within seconds with store.ErrUnavailable, and the same
// Store works again by itself once the server answers.
//
// A Cluster client made by Open reloads the Cluster's slot map every 2 s
// (go-redis's default is 60 s), and also, at most every 250 ms, as soon as
// a command fails because a server does not answer: a master that died
// answers no MOVED redirection, so without this the client would keep
// sending its slots' commands to the dead address long after a replica
// took over. The Store asks for these reloads with a client given to New
// too; give such a client a short ClusterStateReloadInterval as well.
//
// # Failover and revocations
//
// Redis replicates asynchronously, so a write a master confirmed can be
// lost if the master dies before a replica has it. For the writes that end
// sessions or links — Delete (logout), RevokeUser (log out everywhere,
// unlink) and Links().Unlink — that would bring an ended session back.
// When the server holding the keys has a replica, these writes are
// therefore followed by WAIT 1 on the same connection (in a Cluster, on the
// master of the keys' slot), and they fail with ErrNotReplicated, which
// matches store.ErrUnavailable (the middleware answers 503 and the user
// retries), when no replica confirms them within a second (or half the
// read timeout, if shorter; replica_wait=DURATION or WithReplicaWait sets
// it). A server without replicas pays nothing extra:
// whether a master has replicas is read from INFO replication (at Open,
// then at most every 5 s), and a master that had a replica in the last
// 30 s under its current replication ID is still waited for, so that a
// replica that is only reconnecting keeps protecting revocations. After a
// promotion the new master has no replica until one joins; revocations
// then succeed on it alone, as on a single server. A logout retried after
// such a failure finds the session already ended on the master and
// succeeds without waiting; for a hard guarantee, also set
// min-replicas-to-write on the servers. Other writes (logins, session
// updates) do not wait: losing one in a failover only logs a user out or
// repeats a step.
//
// Redis 6.2 or newer is required (ZADD GT).
//
// # Keys
//
// With the default prefix P = "kakaologin:":
//
//	P s:{TOKEN}        session data (a string), expires at the session's expiry (PEXPIREAT)
//	P r:{TOKEN}        revocation tombstone, in the same hash slot as the session key
//	P u:{USER}         sorted set of USER's tokens, scored by expiry in Unix milliseconds
//	P l:NAME           lock: the holder's random fence, expires with the lock's ttl
//	P lk:{KAKAOID}     Kakao side of a link: "STATE:LINKEDAT_UNIXNANO:NONCE:USERID"
//	P lu:{USERID}      user side of a link: "c:LINKEDAT_UNIXNANO:NONCE:KAKAOID"
//	P o:{TOPIC}:ready  sorted set of the claimable message IDs of TOPIC, scored by enqueue order
//	P o:{TOPIC}:leased sorted set of its leased message IDs, scored by lease end in Unix milliseconds
//	P o:{TOPIC}:age    sorted set of all its message IDs, scored by enqueue time in Unix milliseconds
//	P o:{TOPIC}:payload hash of message ID to payload
//	P o:{TOPIC}:state  hash of message ID to "SEQ:ATTEMPTS:LEASE"
//	P o:{TOPIC}:seq    counter numbering TOPIC's messages in enqueue order
//
// (without the spaces). An empty token, or one containing '{' or '}', is
// stored hex-encoded under P sx:{xHEX} and P rx:{xHEX}, so that its two
// keys always share a non-empty hash tag; a topic with a brace is stored
// under P ox:{xHEX}:… and a user ID with a brace under P lux:{xHEX}, the
// same way. The prefix itself may not contain
// braces.
//
// Every write that checks before it writes is one Lua script, so it is
// atomic across connections and app instances: Commit and
// CompareAndSwap refuse while the tombstone exists (store.ErrRevoked);
// Delete removes the data and sets the tombstone, with a ttl of the
// later of the session's remaining ttl and store.RevocationTTL.
//
// The two sides of a link hash to different slots, so that a Cluster
// spreads links over its nodes, and no script can write both. A link is
// therefore made in three single-key compare-and-set steps: Link claims
// the Kakao side as pending (STATE "p", expiring after 10 s), sets the
// user side, and commits the Kakao side (STATE "c", no expiry). A link
// exists only when the Kakao side is committed and the user side names it
// back with the same LinkedAt and NONCE (random per Link call); reads
// check both sides, so a half-made link is never reported. What a Link
// that crashed midway leaves behind blocks nobody for long: a pending
// Kakao side expires by itself, and a side that the other side does not
// name back is taken over by the next Link. Since each key holds one value,
// neither side can belong to two links, also under concurrent Link calls
// on several app instances; a Link that meets a link of the same pair
// being made waits for it, one that meets another pair's reports
// store.ErrLinkConflict. Unlink deletes the Kakao side first, which ends
// the link at once, then the user side.
//
// RevokeUser reads the user's sorted set, then tombstones each token with
// its own single-slot script (pipelined, so one round trip per cluster
// node), then removes exactly the tokens it read from the set. Its cost is
// O(sessions of that user); sessions added while it runs are left alone.
//
// Locks are SET NX PX with a random fence; Unlock deletes the key only if
// it still holds the fence (compare-and-delete script).
//
// The outbox keys of one topic share its hash tag, so Enqueue, Claim and
// Ack are each one script on one node, atomic across instances. Claim
// first drops messages older than store.OutboxRetention and moves messages
// whose lease ran out back to the ready set at their place in enqueue
// order, then leases the oldest ready ones. Message IDs are random. All
// keys of a topic expire store.OutboxRetention after its latest Enqueue,
// so a topic nobody uses any more disappears by itself.
//
// # Clocks and cleanup
//
// Redis deletes expired keys itself, so a Store runs no background
// goroutine. Session and index expiries are the absolute times the app
// passes in; revocation and lock ttls, outbox leases and enqueue times,
// and the "is this index entry expired" test, use the Redis server's
// clock. A link made without a
// LinkedAt gets the app's clock. Expired index entries are
// dropped (ZREMRANGEBYSCORE) whenever the user's index is written, and the
// index key itself expires with its latest entry.
//
// # Errors
//
// Errors caused by the server not answering (refused or lost connection,
// timeouts, pool exhausted, LOADING, MASTERDOWN, CLUSTERDOWN, TRYAGAIN,
// READONLY during a failover, OOM under maxmemory noeviction, too many
// clients) match store.ErrUnavailable and keep go-redis's error in their
// chain. Error messages name the address, never the password.
package redis
