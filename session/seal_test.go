package session

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func newTestManager(t *testing.T, keys ...[]byte) *Manager {
	t.Helper()
	m, err := New(newEnv(t).faulty, Config{SealKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSealedTokens(t *testing.T) {
	k1 := bytes.Repeat([]byte{1}, 32)
	k2 := bytes.Repeat([]byte{2}, 32)
	old := newTestManager(t, k1)
	rotated := newTestManager(t, k2, k1)
	only2 := newTestManager(t, k2)
	l := typicalLogin()
	ts := typicalTokens()
	ts.IDToken = "eyJhbGciOiJSUzI1NiJ9.e30.sig"
	sealed, err := old.seal(ts, l.KakaoID, l.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(ts.AccessToken)) || bytes.Contains(sealed, []byte(ts.RefreshToken[:20])) {
		t.Fatal("token in clear text in the sealed blob")
	}
	if got, err := old.open(sealed, l.KakaoID, l.Scopes); err != nil || !reflect.DeepEqual(got, ts) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)/2] ^= 1
	cases := []struct {
		name    string
		m       *Manager
		b       []byte
		kakaoID int64
		wantErr bool
	}{
		{"rotation: new key list opens old blobs", rotated, sealed, l.KakaoID, false},
		{"tampered", old, tampered, l.KakaoID, true},
		{"moved to another user's session", old, sealed, l.KakaoID + 1, true},
		{"wrong key", only2, sealed, l.KakaoID, true},
		{"truncated", old, sealed[:20], l.KakaoID, true},
		{"empty", old, nil, l.KakaoID, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.open(tc.b, tc.kakaoID, l.Scopes)
			if tc.wantErr {
				if !errors.Is(err, ErrTokensUnreadable) || got != nil {
					t.Fatalf("opened: %+v, %v", got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, ts) {
				t.Fatalf("%+v, %v", got, err)
			}
		})
	}
	t.Run("rotation: first key seals", func(t *testing.T) {
		b, err := rotated.seal(ts, l.KakaoID, l.Scopes)
		if err != nil {
			t.Fatal(err)
		}
		if b[1] != rotated.keys[0].id || b[1] == old.keys[0].id {
			t.Fatal("not sealed with the first key")
		}
		if _, err := only2.open(b, l.KakaoID, l.Scopes); err != nil {
			t.Fatal(err)
		}
		if _, err := old.open(b, l.KakaoID, l.Scopes); err == nil {
			t.Fatal("old key list opened a blob sealed with the new key")
		}
	})
	t.Run("scopes other than the login's", func(t *testing.T) {
		ts2 := *ts
		ts2.Scopes = []string{"talk_message", "custom_scope"}
		b, _ := old.seal(&ts2, l.KakaoID, l.Scopes)
		if got, err := old.open(b, l.KakaoID, l.Scopes); err != nil || !reflect.DeepEqual(got.Scopes, ts2.Scopes) {
			t.Fatalf("%v, %v", got, err)
		}
	})
}
