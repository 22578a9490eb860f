package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
)

// stateKey finds a request's *reqState through its context.
type stateKey struct{}

// The request state is also the request's context: scs's context (the
// request's own plus scs's session data) that answers stateKey with itself.
// Host code that calls scs's API with c.Request.Context() reaches scs's
// data through it, and the Manager finds the state without a value on the
// Gin context (whose map would cost two allocations per request).

// Deadline is the request context's deadline.
func (st *reqState) Deadline() (time.Time, bool) { return st.base.Deadline() }

// Done is the request context's Done channel.
func (st *reqState) Done() <-chan struct{} { return st.base.Done() }

// Err is the request context's error.
func (st *reqState) Err() error { return st.base.Err() }

// Value answers stateKey with st and every other key from scs's context.
// Every call of scs's API with the request's context looks up scs's data
// through here, so a lookup of any other key marks the session as
// possibly changed by scs's API, and flush then asks scs for its status;
// a request that made no such call saves scs that question (and the
// allocation it costs). A context is shared with other goroutines (an
// outbound call's dialer, say), hence the atomic flag and the lock around
// the scs context, which ended replaces.
func (st *reqState) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return st
	}
	if !st.scsUsed.Load() {
		st.scsUsed.Store(true)
	}
	st.mu.RLock()
	ctx := st.ctx
	st.mu.RUnlock()
	return ctx.Value(key)
}

// loadCtx is the context scs loads a session with: the request's own,
// which also finds the request state (as the request state itself does),
// so that the store adapter can use the token's hash computed into the
// state instead of allocating one. It is not the request state itself,
// whose Value reads scs's context, which is made from this one.
type loadCtx struct {
	context.Context
	st *reqState
}

// Value answers stateKey with the request state, every other key from the
// request's context.
func (c *loadCtx) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return c.st
	}
	return c.Context.Value(key)
}

// maxAttempts bounds the compare-and-swap retries of one side-record change.
const maxAttempts = 5

// reqState is the session of one request. It is also the response writer
// the Middleware installs (see middleware.go), so one allocation serves both.
type reqState struct {
	gin.ResponseWriter // the writer the Middleware replaced

	m    *Manager
	c    *gin.Context
	base context.Context // the request's context, without session data
	mu   sync.RWMutex    // guards ctx against Value calls from other goroutines
	ctx  context.Context // base plus scs's session data

	lctx     loadCtx  // the context scs loads with: base, finding st
	sentHash [43]byte // hashToken(sent), which Find looks up

	sent       string // well-formed token the browser sent, or ""
	cookieSeen bool   // the browser sent our cookie, valid or not
	endedHere  bool   // this request ended the session it held: clear the cookie
	token      string // the token the session is stored under; "" = none
	cur        any    // recordKey's value in scs's values: *record, *draft or nil

	login     *Login // cache of Current()
	loginBox  loginBox
	vary      [1]string // the Vary header's value, never shared between requests
	loginDone bool
	tokens    *TokenSet // cache of Tokens()
	tokRaw    []byte    // the tokens side record as read (nil = not read)
	tokKey    string    // the side key tokRaw was read from

	csrfNonce    string // an anonymous browser's CSRF nonce, once asked for
	newCSRFNonce bool   // csrfNonce is new: set its cookie

	bearer         bool   // an API client's request (Authorization: Bearer): no cookie is read or written
	bearerAccepted bool   // the route accepts bearer sessions (AcceptBearer, StartBearer ran)
	bearerRaw      string // the bearer token as sent, possibly malformed

	touchDue    bool
	scsUsed     atomic.Bool // scs's data may have been changed through the request's context (contexts are shared between goroutines)
	discard     bool        // LogOut of a session never saved: commit nothing
	started     bool        // the pre-first-byte commit ran
	failed      bool        // the response was replaced by the error page
	passthrough bool        // the error handler is writing
	abandoned   bool        // the handler panicked
}

// load loads the session named by the cookie through scs. A missing,
// unknown, undecodable or expired session becomes a new, empty one; only
// store failures are errors.
func (st *reqState) load() error {
	m := st.m
	st.lctx = loadCtx{Context: st.base, st: st}
	if st.sent != "" {
		hashTokenInto(&st.sentHash, st.sent)
	}
	ctx, err := m.Load(&st.lctx, st.sent)
	if errors.Is(err, errCorrupt) {
		m.log.Warn("session: stored session record is undecodable; starting a new session")
		ctx, err = m.Load(st.base, "")
	}
	if err != nil {
		return fmt.Errorf("session: load: %w", err)
	}
	if st.sent != "" {
		if rec, ok := m.Get(ctx, recordKey).(*record); ok {
			now := m.now()
			if m.expired(rec, now) {
				ctx, _ = m.Load(st.base, "")
			} else {
				st.token, st.cur = st.sent, rec
				st.touchDue = now.Unix()-rec.seen >= m.touchSecs
			}
		}
	}
	st.mu.Lock()
	st.ctx = ctx
	st.mu.Unlock()
	return nil
}

// record returns the session's state as loaded or changed: exactly one of
// rec and d is set, or neither for a session with no state yet.
func (st *reqState) state() (rec *record, d *draft) {
	switch v := st.cur.(type) {
	case *record:
		return v, nil
	case *draft:
		return nil, v
	}
	return nil, nil
}

// draft returns a changeable copy of the session's state (a new session's
// when it has none).
func (st *reqState) draft() *draft {
	rec, d := st.state()
	switch {
	case d != nil:
		return d.clone()
	case rec != nil:
		return rec.decode()
	}
	return st.m.newDraft(st.m.now())
}

// change stores d as the session's state; scs commits it before the
// first byte of the response, or at once through commitNow.
func (st *reqState) change(d *draft) {
	st.scsUsed.Store(true)
	st.m.Put(st.ctx, recordKey, d)
	st.cur = d
	st.loginDone, st.tokens, st.discard = false, nil, false
}

// sid is the session ID, "" for a session with no state yet.
func (st *reqState) sid() []byte {
	rec, d := st.state()
	switch {
	case d != nil:
		return d.sid
	case rec != nil:
		return rec.sid
	}
	return nil
}

// deadline is the session's absolute deadline, Unix seconds.
func (st *reqState) deadline() int64 {
	rec, d := st.state()
	switch {
	case d != nil:
		return d.deadline
	case rec != nil:
		return rec.deadline
	}
	return st.m.now().Add(st.m.cfg.Lifetime).Unix()
}

// commitNow saves the session through scs before returning: a session
// with a change that must not be lost (a new session ID that side records
// point at) or whose store failure the caller must report.
func (st *reqState) commitNow() error {
	if st.started {
		return ErrHeadersWritten
	}
	tok, _, err := st.m.Commit(st.ctx)
	switch {
	case errors.Is(err, store.ErrRevoked):
		st.ended()
		return ErrNotLoggedIn
	case err != nil:
		return fmt.Errorf("session: save: %w", err)
	}
	st.token = tok
	// Saved: flush need not save again unless something changes from
	// here on (a change, or a host value, sets scsUsed again; scs itself
	// keeps reporting Modified, so without this every commitNow was
	// followed by a second, identical write).
	st.scsUsed.Store(false)
	st.touchDue = false
	return nil
}

// ended forgets the current session: it was revoked, deleted or expired.
// The request goes on as anonymous. The cookie is left alone (see
// writeCookie): the next request finds no session under it either.
func (st *reqState) ended() {
	ctx, _ := st.m.Load(st.base, "")
	st.mu.Lock()
	st.ctx = ctx
	st.mu.Unlock()
	st.token, st.cur = "", nil
	st.login, st.loginDone, st.tokens, st.tokRaw, st.tokKey, st.touchDue = nil, false, nil, nil, "", false
}

// flush runs before the first byte of the response: scs commits the
// session when it was changed (unless the handler failed with a 5xx
// status, so a failed request leaves no half-made change), or marks it
// modified to move the idle deadline at most once per TouchInterval.
func (st *reqState) flush(status int) error {
	m := st.m
	scsStatus := scs.Unmodified
	if st.scsUsed.Load() {
		scsStatus = m.Status(st.ctx)
	}
	switch scsStatus {
	case scs.Destroyed: // the host called scs's Destroy
		st.token, st.endedHere = "", true
		return nil
	case scs.Unmodified:
		if !st.touchDue || status >= 500 {
			return nil
		}
		rec, _ := st.state()
		m.Put(st.ctx, recordKey, rec)
		err := st.commitNow()
		if err != nil && !errors.Is(err, ErrNotLoggedIn) {
			m.log.Warn("session: could not extend the idle deadline", "err", err)
		}
		return nil
	}
	if status >= 500 || st.discard || (st.bearer && st.token == "") {
		// A bearer request without a session creates none: no cookie
		// would name it, and the app learns tokens only from a sign-in.
		return nil
	}
	if st.cur == nil {
		st.cur = m.newDraft(m.now()) // host values in a new session
	}
	if m.Get(st.ctx, recordKey) == nil {
		m.Put(st.ctx, recordKey, st.cur) // new, or cleared by scs's Clear
	}
	if err := st.commitNow(); err != nil && !errors.Is(err, ErrNotLoggedIn) {
		return err
	}
	return nil
}

// sideKey names a side record of the session sid in the store: hashed
// like a session token, so it can be indexed and revoked like one.
func sideKey(kind string, sid []byte, kakaoID int64) string {
	b := make([]byte, 0, 64)
	b = append(b, kind...)
	b = append(b, ':')
	b = append(b, sid...)
	if kakaoID != 0 {
		b = append(b, ':')
		b = appendUvarint(b, zigzag(kakaoID))
	}
	return hashToken(string(b))
}

// updateSide applies f to the side record key, as cur, until a
// compare-and-swap stores the result: a change that lost the race to
// another request is applied again to what that request stored, so
// concurrent changes never overwrite each other. cur nil means "read it
// first"; a missing record is given to f as nil. It returns what it
// stored. A revoked key gives store.ErrRevoked.
func (m *Manager) updateSide(ctx context.Context, key string, cur []byte, read bool, expiry time.Time, f func(cur []byte) ([]byte, error)) ([]byte, error) {
	for range maxAttempts {
		if read {
			b, found, err := m.st.Find(ctx, key)
			if err != nil {
				return nil, err
			}
			if cur = nil; found {
				cur = b
			}
		}
		b, err := f(cur)
		if err != nil {
			return nil, err
		}
		ok, err := m.st.CompareAndSwap(ctx, key, cur, b, expiry)
		if err != nil {
			return nil, err
		}
		if ok {
			return b, nil
		}
		read = true
	}
	return nil, ErrConflict
}
