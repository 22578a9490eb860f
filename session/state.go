package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/kakaologin/kakaologin/store"
)

// maxAttempts bounds the compare-and-swap retries of one change.
const maxAttempts = 5

// op is one change to a session. Changes are kept as functions so that a
// change that lost a compare-and-swap race can be applied again to what
// the winner stored.
type op func(d *draft, now time.Time) error

// reqState is the session of one request. It is also the response writer
// the Middleware installs (see writer.go), so one allocation serves both.
type reqState struct {
	gin.ResponseWriter // the writer the Middleware replaced

	m    *Manager
	c    *gin.Context
	base context.Context // the request's context, without session data
	ctx  context.Context // base plus scs's session data; nil until scsCtx needs it
	// loaded holds the record read by load (st.rec points at it then).
	loaded record

	sent       string // well-formed token the browser sent, or ""
	cookieSeen bool   // the browser sent our cookie, valid or not

	token string  // current token; "" = no stored session
	hash  string  // hashToken(token), computed when first needed
	rec   *record // what the store holds for token, as last read or written
	d     *draft  // rec fully decoded, after a change (nil until then)
	ops   []op    // changes to save before the first byte (CSRF secret)

	login     *Login // cache of Login()
	loginDone bool
	tokens    *TokenSet // cache of Tokens()

	touchDue    bool
	started     bool // the pre-first-byte commit ran
	failed      bool // the response was replaced by the error page
	passthrough bool // the error handler is writing
	abandoned   bool // the handler panicked
}

func (st *reqState) hashed() string {
	if st.hash == "" && st.token != "" {
		st.hash = hashToken(st.token)
	}
	return st.hash
}

// load reads the session named by the cookie. A missing, unknown,
// undecodable or expired session becomes a new, empty one; only store
// failures are errors.
func (st *reqState) load() error {
	m := st.m
	if st.sent == "" {
		return nil
	}
	// Read-only requests never need scs's per-request session data (a
	// values map, a context), so the record is read straight from the
	// store here; scsCtx builds scs's view from it, without a second read,
	// when a token must be renewed or destroyed.
	hash := hashToken(st.sent)
	b, found, err := m.st.Find(st.base, hash)
	if err != nil {
		return fmt.Errorf("session: load: %w", err)
	}
	if !found {
		return nil
	}
	rec := &st.loaded
	if err := scanRecordInto(rec, b); err != nil {
		m.log.Warn("session: stored session record is undecodable; starting a new session")
		return nil
	}
	now := m.now()
	if m.expired(rec, now) {
		return nil
	}
	st.token, st.hash, st.rec = st.sent, hash, rec
	st.touchDue = now.Unix()-rec.seen >= m.touchSecs
	return nil
}

// scsCtx returns the request context carrying scs's session data for the
// current token, building it on first use from the record already loaded
// (scsStore.FindCtx answers from the context, so this makes no store read).
func (st *reqState) scsCtx() context.Context {
	if st.ctx == nil {
		var raw []byte
		if st.rec != nil {
			raw = st.rec.raw
		}
		st.ctx, _ = st.m.scs.Load(context.WithValue(st.base, preloaded{}, raw), st.token)
	}
	return st.ctx
}

// ended forgets the current session: it was revoked, deleted or expired.
// The request goes on as anonymous; the cookie is cleared.
func (st *reqState) ended() {
	st.token, st.hash, st.rec, st.d, st.ops = "", "", nil, nil, nil
	st.login, st.loginDone, st.tokens, st.touchDue = nil, false, nil, false
	st.ctx = nil
}

// newToken gives a tokenless session a fresh random token (through scs,
// which deletes nothing when there was no token).
func (st *reqState) newToken() error {
	ctx := st.scsCtx()
	if err := st.m.scs.RenewToken(ctx); err != nil {
		return fmt.Errorf("session: new token: %w", err)
	}
	st.token = st.m.scs.Token(ctx)
	st.hash = ""
	return nil
}

// saved records that b, decoded as d, is now stored for the token.
func (st *reqState) saved(b []byte, d *draft) {
	rec, err := scanRecord(b)
	if err != nil { // cannot happen: b was just encoded
		panic("session: encoder produced an undecodable record: " + err.Error())
	}
	st.rec, st.d, st.ops = rec, d, nil
	st.loginDone, st.tokens, st.touchDue = false, nil, false
	if st.ctx != nil {
		st.m.scs.Put(st.ctx, recordKey, rec)
	}
}

// current returns the session decoded into a draft (a new one when there
// is no session). Callers must not change it.
func (st *reqState) current() *draft {
	if st.d == nil {
		st.d = st.m.materialize(st.rec, st.m.now())
	}
	return st.d
}

// commit applies the deferred changes and then o (if not nil) to what is
// stored, and saves the result with a compare-and-swap against the bytes
// it was built from. When another request saved in between, it reads the
// session again and applies the same changes to that, up to maxAttempts
// times; so concurrent changes never overwrite each other. When the
// session was ended meanwhile (revoked, deleted), the changes are applied
// to a new, empty session with a new token instead: an ended session is
// never brought back, so a slow request cannot undo a logout.
func (st *reqState) commit(ctx context.Context, o op) error {
	m := st.m
	ops := st.ops
	if o != nil {
		ops = append(ops[:len(ops):len(ops)], o)
	}
	for range maxAttempts {
		now := m.now()
		d := m.materialize(st.rec, now)
		for _, f := range ops {
			if err := f(d, now); err != nil {
				return err
			}
		}
		d.seen = now.Unix()
		b, err := d.encode()
		if err != nil {
			return err
		}
		fresh := st.token == ""
		if fresh {
			if st.started {
				return ErrHeadersWritten
			}
			if err := st.newToken(); err != nil {
				return err
			}
		}
		var old []byte
		if st.rec != nil {
			old = st.rec.raw
		}
		ok, err := m.st.CompareAndSwap(ctx, st.hashed(), old, b, m.storeExpiry(d.deadline, now))
		switch {
		case errors.Is(err, store.ErrRevoked):
			st.ended()
			continue
		case err != nil:
			if fresh {
				st.ended()
			}
			return fmt.Errorf("session: save: %w", err)
		case ok:
			st.saved(b, d)
			return nil
		case fresh:
			st.ended() // a fresh random token already taken: give up
			return ErrConflict
		}
		if err := st.reload(ctx); err != nil {
			return err
		}
	}
	return ErrConflict
}

// reload reads the stored session again after a lost race.
func (st *reqState) reload(ctx context.Context) error {
	b, found, err := st.m.st.Find(ctx, st.hashed())
	if err != nil {
		return fmt.Errorf("session: reload: %w", err)
	}
	var rec *record
	if found {
		rec, _ = scanRecord(b)
	}
	if rec == nil || st.m.expired(rec, st.m.now()) {
		st.ended()
		return nil
	}
	st.rec, st.d, st.loginDone, st.tokens = rec, nil, false, nil
	if st.ctx != nil {
		st.m.scs.Put(st.ctx, recordKey, rec)
	}
	return nil
}

// touch moves the idle deadline of an unchanged session. It is best
// effort: losing the race means another request just wrote the session,
// and a store failure only makes the idle timeout count from the last
// successful write.
func (st *reqState) touch(ctx context.Context) {
	m := st.m
	now := m.now()
	b := touched(st.rec.raw, now.Unix())
	ok, err := m.st.CompareAndSwap(ctx, st.hashed(), st.rec.raw, b, m.storeExpiry(st.rec.deadline, now))
	switch {
	case errors.Is(err, store.ErrRevoked):
		st.ended()
	case err != nil:
		m.log.Warn("session: could not extend the idle deadline", "err", err)
	case ok:
		nr := *st.rec
		nr.raw, nr.seen = b, now.Unix()
		st.rec = &nr
	}
	st.touchDue = false
}

// flush runs before the first byte of the response: it saves deferred
// changes (unless the handler failed with a 5xx status, so a failed
// request leaves no half-made change) or moves the idle deadline.
func (st *reqState) flush(status int) error {
	if len(st.ops) > 0 && status < 500 {
		return st.commit(st.base, nil)
	}
	st.ops = nil
	if st.touchDue && st.rec != nil {
		st.touch(st.base)
	}
	return nil
}

// rawLoaded returns the record bytes as loaded (or last saved) by this
// request, nil when there were none.
func (st *reqState) rawLoaded() []byte {
	if st.rec == nil {
		return nil
	}
	return st.rec.raw
}
