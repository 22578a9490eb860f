package redis

import goredis "github.com/redis/go-redis/v9"

// Results of the session scripts.
const (
	resultRevoked = -1
	resultKept    = 0
	resultStored  = 1
)

// nowMillis is Lua that sets `now` to the server clock in Unix
// milliseconds. Scripts read the clock before they write, which Redis
// allows with effects replication (the default since Redis 5).
const nowMillis = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

// scripts holds the Lua scripts of a Store. Each touches only the keys it
// is given, and all of those share one hash slot.
var (
	// commitScript: KEYS = data, tombstone; ARGV = value, expiry (Unix ms).
	// A past expiry makes PEXPIREAT delete the key at once.
	commitScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`)

	// casScript: KEYS = data, tombstone; ARGV = value, expiry (Unix ms),
	// mode ("absent" or "equal"), old value (mode "equal" only).
	casScript = goredis.NewScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local cur = redis.call('GET', KEYS[1])
if ARGV[3] == 'absent' then
	if cur then return 0 end
elseif cur ~= ARGV[4] then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`)

	// deleteScript: KEYS = data, tombstone; ARGV = least revocation ttl
	// (ms), a further ttl the caller knows the session may live (ms, may
	// be 0). The tombstone lives as long as the longest of these, the
	// data key's remaining ttl and an earlier tombstone's. It returns 1 if
	// the session had live data.
	deleteScript = goredis.NewScript(`
local ttl = tonumber(ARGV[1])
local extra = tonumber(ARGV[2])
if extra > ttl then ttl = extra end
local p = redis.call('PTTL', KEYS[1])
if p > ttl then ttl = p end
local q = redis.call('PTTL', KEYS[2])
if q > ttl then ttl = q end
redis.call('SET', KEYS[2], '1', 'PX', ttl)
return redis.call('DEL', KEYS[1])`)

	// addUserScript: KEYS = index; ARGV = token, expiry (Unix ms). Adds or
	// extends the entry, drops expired entries and lets the index key
	// expire with its latest entry.
	addUserScript = goredis.NewScript(nowMillis + `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now))
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('PEXPIREAT', KEYS[1], top[2]) end
return 1`)

	// userSessionsScript: KEYS = index. Returns the unexpired tokens.
	userSessionsScript = goredis.NewScript(nowMillis + `
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. string.format('%.0f', now), '+inf')`)

	// userEntriesScript: KEYS = index. Returns the server time (Unix ms)
	// followed by every entry as token, expiry (Unix ms), expired or not.
	userEntriesScript = goredis.NewScript(nowMillis + `
local r = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
table.insert(r, 1, string.format('%.0f', now))
return r`)

	// enqueueScript: KEYS = the outbox keys of a topic (see keys.outbox);
	// ARGV = ID, payload, retention (ms). The message goes to the end of
	// the ready set. Every key of the topic lives until the newest message
	// is older than the retention, so a topic nobody uses disappears.
	enqueueScript = goredis.NewScript(nowMillis + `
local seq = redis.call('INCR', KEYS[6])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[1], seq .. ':0:')
redis.call('ZADD', KEYS[3], string.format('%.0f', now), ARGV[1])
redis.call('ZADD', KEYS[1], seq, ARGV[1])
for i = 1, 6 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
return 1`)

	// claimScript: KEYS = the outbox keys of a topic; ARGV = max, lease
	// (ms), lease value, retention (ms). It drops messages older than the
	// retention, puts messages whose lease ran out back in the ready set
	// at their place in enqueue order, then leases the first max ready
	// ones. It returns, per message, ID, payload, attempts and enqueue
	// time (Unix ms).
	claimScript = goredis.NewScript(nowMillis + `
local function drop(id)
	redis.call('ZREM', KEYS[1], id)
	redis.call('ZREM', KEYS[2], id)
	redis.call('ZREM', KEYS[3], id)
	redis.call('HDEL', KEYS[4], id)
	redis.call('HDEL', KEYS[5], id)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', now - tonumber(ARGV[4])))) do
	drop(id)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('%.0f', now))) do
	redis.call('ZREM', KEYS[2], id)
	local state = redis.call('HGET', KEYS[5], id)
	if state then
		redis.call('ZADD', KEYS[1], string.match(state, '^(%d+):'), id)
	else
		drop(id)
	end
end
local out = {}
local until_ = string.format('%.0f', now + tonumber(ARGV[2]))
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)) do
	local state = redis.call('HGET', KEYS[5], id)
	local payload = redis.call('HGET', KEYS[4], id)
	local enqueued = redis.call('ZSCORE', KEYS[3], id)
	if state and payload and enqueued then
		local seq, attempts = string.match(state, '^(%d+):(%d+):')
		attempts = tonumber(attempts) + 1
		redis.call('HSET', KEYS[5], id, seq .. ':' .. attempts .. ':' .. ARGV[3])
		redis.call('ZREM', KEYS[1], id)
		redis.call('ZADD', KEYS[2], until_, id)
		table.insert(out, id)
		table.insert(out, payload)
		table.insert(out, attempts)
		table.insert(out, enqueued)
	else
		drop(id)
	end
end
-- The leased set may have been created just now: it expires with the rest.
local ttl = redis.call('PTTL', KEYS[3])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
return out`)

	// ackScript: KEYS = the outbox keys of a topic; ARGV = ID, lease
	// value. It deletes the message if the lease value still holds it
	// (returning 1); it returns 0 when the message is gone and -1 when it
	// holds another lease.
	ackScript = goredis.NewScript(`
local state = redis.call('HGET', KEYS[5], ARGV[1])
if not state then return 0 end
local lease = string.match(state, '^%d+:%d+:(.*)$')
if ARGV[2] == '' or lease ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1`)

	// compareAndDeleteScript: KEYS = key; ARGV = value. Deletes the key
	// only while it holds value: Unlock with the lock's fence, and the
	// undo and unlink steps of links with the value they wrote or read.
	compareAndDeleteScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

	// linkSwapScript: KEYS = one side of a link; ARGV = the value
	// expected there ("" for none), the new value, and a ttl in
	// milliseconds ("0" for none). It sets the new value (with the ttl,
	// or without any) if the key holds the expected one, and returns what
	// the key holds afterwards ("" for nothing): the new value when it
	// was set, or when an earlier try that the client retried had set it.
	linkSwapScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[2] then return cur end
if (cur or '') ~= ARGV[1] then return cur or '' end
if ARGV[3] == '0' then
	redis.call('SET', KEYS[1], ARGV[2])
else
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return ARGV[2]`)
)
