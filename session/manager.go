package session

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/kakaologin/kakaologin/store"
)

// Manager keeps login sessions for a Gin app in a store.SessionStore. It
// is safe for concurrent use; create one per app with New and install its
// Middleware on every route that uses sessions.
type Manager struct {
	cfg       Config
	st        store.SessionStore
	scs       *scs.SessionManager
	keys      []sealKey
	log       *slog.Logger
	idleSecs  int64
	touchSecs int64
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
	sm := scs.New()
	sm.Store = scsStore{st: st}
	sm.Codec = scsCodec{}
	// IdleTimeout stays 0 in scs: with it set, scs marks every loaded session
	// modified and writes it on every request. The Manager keeps the idle
	// clock in the record and writes it at most once per TouchInterval.
	sm.IdleTimeout = 0
	sm.Lifetime = cfg.Lifetime
	sm.HashTokenInStore = false // scsStore hashes, see hashToken
	sm.Cookie.Name = cfg.CookieName
	sm.Cookie.Secure = !cfg.InsecureCookies
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = cfg.Persist
	return &Manager{
		cfg:       cfg,
		st:        st,
		scs:       sm,
		keys:      keys,
		log:       cfg.Logger,
		idleSecs:  int64(cfg.IdleTimeout / time.Second),
		touchSecs: int64(cfg.TouchInterval / time.Second),
	}, nil
}

// RevokeKakaoUser ends every session of the Kakao user kakaoID (logout
// everywhere, unlink, Kakao's unlink callback) and reports how many it
// ended. A request that loaded one of them earlier cannot save it again.
func (m *Manager) RevokeKakaoUser(ctx context.Context, kakaoID int64) (int, error) {
	n, err := m.st.RevokeUser(ctx, kakaoIndex(kakaoID))
	if err != nil {
		return n, fmt.Errorf("session: revoke Kakao user sessions: %w", err)
	}
	return n, nil
}

// RevokeHostUser ends every session logged in as the host user userID and
// reports how many it ended.
func (m *Manager) RevokeHostUser(ctx context.Context, userID string) (int, error) {
	n, err := m.st.RevokeUser(ctx, hostIndex(userID))
	if err != nil {
		return n, fmt.Errorf("session: revoke host user sessions: %w", err)
	}
	return n, nil
}

func kakaoIndex(id int64) string     { return "kakao:" + strconv.FormatInt(id, 10) }
func hostIndex(userID string) string { return "user:" + userID }

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

// storeExpiry is when the store may forget a session: its idle deadline,
// or its absolute deadline if sooner.
func (m *Manager) storeExpiry(deadline int64, now time.Time) time.Time {
	idle := now.Unix() + m.idleSecs
	return time.Unix(min(idle, deadline), 0)
}

// hashToken is what the store sees instead of a session token: the
// base64url SHA-256 of the token. A stolen store dump does not give usable
// cookies.
func hashToken(tok string) string {
	var buf [64]byte
	var sum [32]byte
	if len(tok) <= len(buf) {
		n := copy(buf[:], tok)
		sum = sha256.Sum256(buf[:n])
	} else {
		sum = sha256.Sum256([]byte(tok))
	}
	var out [43]byte
	base64.RawURLEncoding.Encode(out[:], sum[:])
	return string(out[:])
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

// scsStore adapts store.Sessions to scs.CtxStore, hashing every token.
// scs's method names (FindCtx, Find, …) stay on this adapter.
type scsStore struct{ st store.Sessions }

// preloaded carries, in the context of an scs.Load, the record bytes the
// Manager already read for the token (see reqState.scsCtx).
type preloaded struct{}

func (a scsStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	if v := ctx.Value(preloaded{}); v != nil {
		b := v.([]byte)
		return b, b != nil, nil
	}
	return a.st.Find(ctx, hashToken(token))
}

func (a scsStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return a.st.Commit(ctx, hashToken(token), b, expiry)
}

// keepOldToken marks the context of an scs.RenewToken call whose delete of
// the old token the Manager does itself, later (see reqState.renew).
type keepOldToken struct{}

func (a scsStore) DeleteCtx(ctx context.Context, token string) error {
	if ctx.Value(keepOldToken{}) != nil {
		return nil
	}
	return a.st.Delete(ctx, hashToken(token))
}

func (a scsStore) Find(token string) ([]byte, bool, error) {
	return a.FindCtx(context.Background(), token)
}

func (a scsStore) Commit(token string, b []byte, expiry time.Time) error {
	return a.CommitCtx(context.Background(), token, b, expiry)
}

func (a scsStore) Delete(token string) error { return a.DeleteCtx(context.Background(), token) }

var _ scs.CtxStore = scsStore{}

// recordKey is the only key the Manager keeps in scs's value map; its value
// is the *record.
const recordKey = "kakaologin"

// scsCodec is the scs.Codec for the compact record: scs hands it the bytes
// it found and gets back the scanned record, decoded no further.
type scsCodec struct{}

func (scsCodec) Encode(_ time.Time, values map[string]any) ([]byte, error) {
	rec, ok := values[recordKey].(*record)
	if !ok || len(values) != 1 {
		return nil, errors.New("session: scs values hold something other than the session record")
	}
	return append([]byte(nil), rec.raw...), nil
}

func (scsCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	rec, err := scanRecord(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	return time.Unix(rec.deadline, 0), map[string]any{recordKey: rec}, nil
}
