package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unsafe"

	"github.com/alexedwards/scs/v2"
	"github.com/kakaologin/kakaologin/store"
)

// Manager keeps login sessions for a Gin app in a store.SessionStore. It
// is safe for concurrent use; create one per app with New and install its
// Middleware on every route that uses sessions.
//
// Manager embeds the scs.SessionManager that loads, commits, renews and
// destroys the sessions, so a host keeps its own values in the same
// session with scs's API on the request's context:
// sm.Put(c.Request.Context(), "cart", v), sm.PopString(ctx, "flash").
// New sets the SessionManager's fields; do not change them. Use
// Middleware rather than scs's LoadAndSave, and LogOut and
// Manager.RenewToken rather than scs's Destroy and RenewToken, which know
// nothing of the login, its index and its side records.
type Manager struct {
	*scs.SessionManager

	cfg       Config
	st        store.SessionStore
	keys      []sealKey
	log       *slog.Logger
	idleSecs  int64
	touchSecs int64

	csrfKey        []byte // derives anonymous visitors' CSRF secrets
	csrfCookieName string // the anonymous CSRF nonce's cookie
}

// New returns a Manager storing sessions in st: the sessions, and the
// per-user index that ends all of one user's sessions at once. Every
// store.Store is one (store.Open, memory.New, …). It fails, matching
// ErrConfig, when cfg is unusable (for example without SealKeys).
func New(st store.SessionStore, cfg Config) (*Manager, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil store", ErrConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	keys, err := newSealKeys(cfg.SealKeys)
	if err != nil {
		return nil, err
	}
	m := &Manager{
		cfg:       cfg,
		st:        st,
		keys:      keys,
		log:       cfg.Logger,
		idleSecs:  int64(cfg.IdleTimeout / time.Second),
		touchSecs: int64(cfg.TouchInterval / time.Second),

		csrfKey:        deriveCSRFKey(cfg.SealKeys[0]),
		csrfCookieName: cfg.CookieName + "_csrf",
	}
	sm := scs.New()
	sm.Store = scsStore{m: m}
	sm.Codec = scsCodec{m: m}
	// IdleTimeout stays 0 in scs: with it set, scs marks every loaded session
	// modified and writes it on every request. The Manager keeps the idle
	// clock in the record and marks the session modified at most once per
	// TouchInterval.
	sm.IdleTimeout = 0
	sm.Lifetime = cfg.Lifetime
	sm.HashTokenInStore = false // scsStore hashes, see hashToken
	sm.Cookie.Name = cfg.CookieName
	sm.Cookie.Secure = !cfg.InsecureCookies
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = cfg.Persist
	sm.ErrorFunc = func(w http.ResponseWriter, _ *http.Request, err error) {
		cfg.Logger.Error("session: session store failed", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
	}
	m.SessionManager = sm
	return m, nil
}

// Store returns the store given to New. kakaogin finds the other roles it
// needs on it by type assertion: its locks (store.Locker, for the token
// refresh across instances) and its outbox (store.Outbox, for the unlink
// retries).
func (m *Manager) Store() store.SessionStore { return m.st }

func (m *Manager) now() time.Time { return m.cfg.Now() }

// expired reports whether rec is past its absolute or idle deadline.
func (m *Manager) expired(rec *record, now time.Time) bool {
	t := now.Unix()
	return t >= rec.deadline || t-rec.seen >= m.idleSecs
}

// hashToken is what the store sees instead of a session token: the
// base64url SHA-256 of the token. A stolen store dump does not give usable
// cookies.
func hashToken(tok string) string {
	var out [43]byte
	hashTokenInto(&out, tok)
	return string(out[:])
}

// hashTokenInto writes hashToken(tok) into out.
func hashTokenInto(out *[43]byte, tok string) {
	var buf [64]byte
	var sum [32]byte
	if len(tok) <= len(buf) {
		n := copy(buf[:], tok)
		sum = sha256.Sum256(buf[:n])
	} else {
		sum = sha256.Sum256([]byte(tok))
	}
	base64.RawURLEncoding.Encode(out[:], sum[:])
}

// validToken is the cheap format check done before any store lookup, so a
// forged or oversized cookie costs no store call: exactly the 43 base64url
// characters of 32 random bytes, canonical (the unused low bits of the last
// character are zero).
func validToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	switch s[42] {
	case 'A', 'E', 'I', 'M', 'Q', 'U', 'Y', 'c', 'g', 'k', 'o', 's', 'w', '0', '4', '8':
		return true
	}
	return false
}

// scsStore adapts store.Sessions to scs.CtxStore: it hashes every token,
// and takes the store expiry of a record from the record itself (its idle
// and absolute deadlines), since scs knows only the absolute one.
type scsStore struct{ m *Manager }

func (a scsStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok && st.m == a.m && token == st.sent && token != "" {
		// The hash the Middleware computed into the request state; the
		// string shares the state's memory, which is never written
		// again, and lookups do not keep it.
		return a.m.st.Find(ctx, unsafe.String(&st.sentHash[0], len(st.sentHash)))
	}
	return a.m.st.Find(ctx, hashToken(token))
}

func (a scsStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if len(b) >= headerSize {
		deadline := int64(binary.BigEndian.Uint64(b[1:]))
		seen := int64(binary.BigEndian.Uint64(b[seenOffset:]))
		idle := a.m.idleSecs
		if holdsNoState(b) {
			// Nothing but login flows (side records that live FlowLifetime)
			// and perhaps a CSRF secret: kept no longer than its flows, so
			// that login starts nobody finishes leave little behind.
			idle = min(idle, int64(FlowLifetime/time.Second))
		}
		expiry = time.Unix(min(seen+idle, deadline), 0)
	}
	return a.m.st.Commit(ctx, hashToken(token), b, expiry)
}

// holdsNoState reports whether the record b holds no login, pending state
// or host value.
func holdsNoState(b []byte) bool {
	var rec record
	return scanRecordInto(&rec, b) == nil && rec.login == nil && rec.pending == nil && rec.host == nil
}

func (a scsStore) DeleteCtx(ctx context.Context, token string) error {
	return a.m.st.Delete(ctx, hashToken(token))
}

func (a scsStore) Find(token string) ([]byte, bool, error) {
	return a.FindCtx(context.Background(), token)
}

func (a scsStore) Commit(token string, b []byte, expiry time.Time) error {
	return a.CommitCtx(context.Background(), token, b, expiry)
}

func (a scsStore) Delete(token string) error { return a.DeleteCtx(context.Background(), token) }

var _ scs.CtxStore = scsStore{}
