package session

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store/storetest"
)

func typicalDraft(t testing.TB, m *Manager) (*draft, []byte) {
	l := typicalLogin()
	sealed, err := m.seal(typicalTokens(), l.KakaoID, l.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return &draft{
		deadline: now.Add(12 * time.Hour).Unix(),
		seen:     now.Unix(),
		sid:      bytes.Repeat([]byte{3}, sidSize),
		login:    l,
		csrf:     bytes.Repeat([]byte{7}, csrfSize),
	}, sealed
}

// The typical logged-in session (nickname, image URL, five scopes, sealed
// access and refresh tokens, CSRF secret) fits in 512 bytes: the record
// and its tokens side record together.
func TestTypicalRecordSize(t *testing.T) {
	m := newTestManager(t, testKey)
	d, sealed := typicalDraft(t, m)
	b, err := d.encode(nil, d.seen)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("typical record: %d bytes, tokens %d bytes", len(b), len(sealed))
	if len(b)+len(sealed) > 512 {
		t.Fatalf("typical record and tokens are %d bytes, want ≤ 512", len(b)+len(sealed))
	}
}

func TestRecordRoundTrip(t *testing.T) {
	m := newTestManager(t, testKey)
	typical, _ := typicalDraft(t, m)
	sid := bytes.Repeat([]byte{1}, sidSize)
	cases := map[string]*draft{
		"empty":   {deadline: 2000000000, seen: 1999990000, sid: sid},
		"typical": typical,
		"pending": {
			deadline: 2000000000, seen: 1999990000, sid: sid,
			pending: &Pending{
				Kind: PendingProof, Candidate: "u7", Email: "a@b.c", EmailVerified: true,
				Login:          Login{KakaoID: 42, Nickname: "n", Scopes: []string{"openid"}},
				NeedsAgreement: []string{"account_email"},
				CreatedAt:      time.Unix(1999990000, 0).UTC(), ExpiresAt: time.Unix(1999990600, 0).UTC(),
			},
		},
		"unknown scopes and negative ID": {
			deadline: 2000000000, seen: 1, sid: sid,
			login: &Login{KakaoID: -5, Scopes: []string{"made_up", "openid", ""}},
		},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := d.encode(nil, d.seen)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := scanRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			got := rec.decode()
			if !reflect.DeepEqual(got, d) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
			}
		})
	}
}

func TestRecordRejects(t *testing.T) {
	m := newTestManager(t, testKey)
	d, _ := typicalDraft(t, m)
	good, _ := d.encode(nil, d.seen)
	cases := map[string][]byte{
		"empty":             nil,
		"unknown version":   append([]byte{1}, good[1:]...),
		"truncated":         good[:len(good)-1],
		"trailing byte":     append(bytes.Clone(good), 0),
		"repeated section":  append(bytes.Clone(good[:headerSize]), tagCSRF, 0, tagCSRF, 0),
		"unknown tag":       append(bytes.Clone(good[:headerSize]), 9, 0),
		"huge length":       append(bytes.Clone(good[:headerSize]), tagHost, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"varint overflow":   append(bytes.Clone(good[:headerSize]), tagHost, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"short CSRF secret": append(bytes.Clone(good[:headerSize]), tagCSRF, 1, 0),
		"bad scope code":    append(bytes.Clone(good[:headerSize]), tagLogin, 0, 0, 0, 0, 1, 200, 0, 0),
		// Issue 11 point 9: the scanner accepted times the decoder refuses.
		"login time out of range": appendUvarint(append(bytes.Clone(good[:headerSize]), tagLogin, 0, 0, 0, 0, 0, 0), 1<<41),
		"pending time out of range": appendUvarint(append(bytes.Clone(good[:headerSize]), tagPending,
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 1<<41),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := scanRecord(b); err == nil {
				t.Fatal("accepted")
			}
			if _, _, err := (scsCodec{}).Decode(b); err == nil {
				t.Fatal("scs codec accepted")
			}
		})
	}
}

// FuzzScanRecord: no input panics or allocates beyond its size; whatever
// scans decodes, and re-encodes to something that scans the same way.
func FuzzScanRecord(f *testing.F) {
	m, err := New(storetest.NewFaulty(nil), Config{SealKeys: [][]byte{testKey}})
	if err != nil {
		f.Fatal(err)
	}
	d, _ := typicalDraft(f, m)
	good, _ := d.encode(nil, d.seen)
	f.Add(good)
	f.Add(good[:headerSize])
	pending, _ := (&draft{sid: d.sid, pending: &Pending{Kind: PendingSignup, Login: Login{KakaoID: 1}}}).encode([]byte("host"), 1)
	f.Add(pending)
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := scanRecord(b)
		if err != nil {
			return
		}
		d := rec.decode()
		if rec.login != nil && d.login == nil {
			t.Fatal("scanned login does not decode")
		}
		if rec.pending != nil && d.pending == nil {
			t.Fatal("scanned pending state does not decode")
		}
		b2, err := d.encode(rec.host, rec.seen)
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		rec2, err := scanRecord(b2)
		if err != nil {
			t.Fatal(err)
		}
		if b3, err := rec2.reencode(rec2.host, rec2.seen); err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("re-encoding a scanned record changed it: %v", err)
		}
		if d2 := rec2.decode(); !reflect.DeepEqual(d, d2) {
			t.Fatalf("unstable round trip:\n%+v\n%+v", d, d2)
		}
	})
}

// FuzzDecodeTokenSet: the plaintext decoder never panics.
func FuzzDecodeTokenSet(f *testing.F) {
	pt, _ := encodeTokenSet(typicalTokens(), nil)
	f.Add(pt)
	f.Fuzz(func(t *testing.T, b []byte) {
		if ts := decodeTokenSet(b, []string{"openid"}); ts != nil {
			if _, err := encodeTokenSet(ts, nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzCookie: the cookie reader and token check never panic, and a token
// they accept is exactly 43 base64url characters.
func FuzzCookie(f *testing.F) {
	f.Add("__Host-kakaologin=" + string(bytes.Repeat([]byte("A"), 43)) + "; other=1")
	f.Add("a=b;;; __Host-kakaologin=x; __Host-kakaologin=y")
	f.Fuzz(func(t *testing.T, line string) {
		v, _, unique := readCookie(map[string][]string{"Cookie": {line}}, "__Host-kakaologin")
		if unique && validToken(v) && len(v) != 43 {
			t.Fatalf("accepted %q", v)
		}
	})
}
