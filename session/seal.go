package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"time"
)

// Sealed token sets are
//
//	byte   sealVersion
//	byte   key ID (first byte of SHA-256 of the key)
//	[12]   GCM nonce, random
//	…      AES-256-GCM ciphertext and tag of the encoded TokenSet
//
// with additional data sealAAD || Kakao ID (8 bytes big endian), so a
// sealed blob copied into another user's session does not open.
const (
	sealVersion = 1
	sealAAD     = "kakaologin/session/tokens/v1\x00"

	scopesListed = 0
	scopesLogin  = 1 // the token set's scopes equal the login's
)

type sealKey struct {
	id   byte
	aead cipher.AEAD
}

func newSealKeys(keys [][]byte) ([]sealKey, error) {
	out := make([]sealKey, 0, len(keys))
	for i, k := range keys {
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("%w: SealKeys[%d]: %w", ErrConfig, i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: SealKeys[%d]: %w", ErrConfig, i, err)
		}
		sum := sha256.Sum256(k)
		out = append(out, sealKey{id: sum[0], aead: aead})
	}
	return out, nil
}

func aad(kakaoID int64) []byte {
	b := make([]byte, 0, len(sealAAD)+8)
	b = append(b, sealAAD...)
	return binary.BigEndian.AppendUint64(b, uint64(kakaoID))
}

// seal encodes ts and seals it for kakaoID with the first key.
func (m *Manager) seal(ts *TokenSet, kakaoID int64, loginScopes []string) ([]byte, error) {
	pt, err := encodeTokenSet(ts, loginScopes)
	if err != nil {
		return nil, err
	}
	k := m.keys[0]
	out := make([]byte, 2+12, 2+12+len(pt)+k.aead.Overhead())
	out[0], out[1] = sealVersion, k.id
	if _, err := rand.Read(out[2:14]); err != nil {
		return nil, fmt.Errorf("session: seal tokens: %w", err)
	}
	return k.aead.Seal(out, out[2:14], pt, aad(kakaoID)), nil
}

// open opens a sealed token set of kakaoID with whichever key fits.
func (m *Manager) open(b []byte, kakaoID int64, loginScopes []string) (*TokenSet, error) {
	if len(b) < 2+12+16 || b[0] != sealVersion {
		return nil, ErrTokensUnreadable
	}
	ad := aad(kakaoID)
	for _, k := range m.keys {
		if k.id != b[1] {
			continue
		}
		pt, err := k.aead.Open(nil, b[2:14], b[14:], ad)
		if err != nil {
			continue
		}
		ts := decodeTokenSet(pt, loginScopes)
		if ts == nil {
			return nil, ErrTokensUnreadable
		}
		return ts, nil
	}
	return nil, ErrTokensUnreadable
}

func encodeTokenSet(ts *TokenSet, loginScopes []string) ([]byte, error) {
	b := make([]byte, 0, 64+len(ts.AccessToken)+len(ts.RefreshToken)+len(ts.IDToken))
	var err error
	if b, err = appendStr(b, ts.AccessToken, maxString, "access token"); err != nil {
		return nil, err
	}
	if b, err = appendStr(b, ts.RefreshToken, maxString, "refresh token"); err != nil {
		return nil, err
	}
	b = appendTime(b, ts.AccessExpiry)
	b = appendTime(b, ts.RefreshExpiry)
	if ts.Scopes != nil && slices.Equal(ts.Scopes, loginScopes) {
		b = append(b, scopesLogin)
	} else {
		b = append(b, scopesListed)
		if b, err = appendScopes(b, ts.Scopes); err != nil {
			return nil, err
		}
	}
	return appendStr(b, ts.IDToken, maxSealed, "ID token")
}

func decodeTokenSet(pt []byte, loginScopes []string) *TokenSet {
	r := reader[string]{b: string(pt)}
	ts := &TokenSet{
		AccessToken:  r.str(maxString),
		RefreshToken: r.str(maxString),
	}
	ts.AccessExpiry = r.time()
	ts.RefreshExpiry = r.time()
	switch r.byte1() {
	case scopesLogin:
		ts.Scopes = slices.Clone(loginScopes)
	case scopesListed:
		ts.Scopes = r.scopes()
	default:
		r.fail()
	}
	ts.IDToken = r.str(maxSealed)
	if r.err != nil || !r.done() {
		return nil
	}
	return ts
}

// TokenSet is the Kakao token set of a logged-in session. It is stored
// sealed (AES-256-GCM) in the session record, bound to the Kakao user.
// Times have one-second precision.
type TokenSet struct {
	AccessToken   string
	RefreshToken  string
	AccessExpiry  time.Time
	RefreshExpiry time.Time
	// Scopes are the scopes the tokens carry.
	Scopes []string
	// IDToken is the raw ID token, optional (it makes the record larger).
	IDToken string
}
