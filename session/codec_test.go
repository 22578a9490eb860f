package session

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store/storetest"
)

func typicalDraft(t testing.TB, m *Manager) *draft {
	l := typicalLogin()
	sealed, err := m.seal(typicalTokens(), l.KakaoID, l.Scopes)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	return &draft{
		deadline: now.Add(12 * time.Hour).Unix(),
		seen:     now.Unix(),
		login:    l,
		sealed:   sealed,
		csrf:     bytes.Repeat([]byte{7}, csrfSize),
	}
}

// The typical logged-in record (nickname, image URL, five scopes, sealed
// access and refresh tokens, CSRF secret) fits in 512 bytes.
func TestTypicalRecordSize(t *testing.T) {
	m := newTestManager(t, testKey)
	b, err := typicalDraft(t, m).encode()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("typical record: %d bytes", len(b))
	if len(b) > 512 {
		t.Fatalf("typical record is %d bytes, want ≤ 512", len(b))
	}
}

func TestRecordRoundTrip(t *testing.T) {
	m := newTestManager(t, testKey)
	cases := map[string]*draft{
		"empty":   {deadline: 2000000000, seen: 1999990000},
		"typical": typicalDraft(t, m),
		"flows and extras": {
			deadline: 2000000000, seen: 1999990000,
			flows: []Flow{
				{StateHash: "h1", Purpose: "login", ReturnTo: "/a?b=c", Verifier: "v", Nonce: "n", CreatedAt: time.Unix(1999990000, 0).UTC()},
				{StateHash: "h2", Purpose: "link", UserID: "u1", CreatedAt: time.Unix(1999990001, 0).UTC()},
			},
			extras: []extra{{key: "a", val: []byte{}}, {key: "b", val: []byte("xyz")}},
		},
		"unknown scopes and negative ID": {
			deadline: 2000000000, seen: 1,
			login: &Login{KakaoID: -5, Scopes: []string{"made_up", "openid", ""}},
		},
	}
	for name, d := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := d.encode()
			if err != nil {
				t.Fatal(err)
			}
			rec, err := scanRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			got := m.materialize(rec, time.Now())
			if !reflect.DeepEqual(got, d) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
			}
		})
	}
}

func TestRecordRejects(t *testing.T) {
	m := newTestManager(t, testKey)
	good, _ := typicalDraft(t, m).encode()
	cases := map[string][]byte{
		"empty":             nil,
		"unknown version":   append([]byte{2}, good[1:]...),
		"truncated":         good[:len(good)-1],
		"trailing byte":     append(bytes.Clone(good), 0),
		"repeated section":  append(bytes.Clone(good[:headerSize]), tagCSRF, 0, tagCSRF, 0),
		"unknown tag":       append(bytes.Clone(good[:headerSize]), 9, 0),
		"huge length":       append(bytes.Clone(good[:headerSize]), tagSealed, 0xff, 0xff, 0xff, 0xff, 0x0f),
		"varint overflow":   append(bytes.Clone(good[:headerSize]), tagSealed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f),
		"short CSRF secret": append(bytes.Clone(good[:headerSize]), tagCSRF, 1, 0),
		"bad scope code":    append(bytes.Clone(good[:headerSize]), tagLogin, 0, 0, 0, 0, 1, 200, 0, 0),
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
	good, _ := typicalDraft(f, m).encode()
	f.Add(good)
	f.Add(good[:headerSize])
	flows, _ := (&draft{flows: []Flow{{StateHash: "s", Purpose: "p"}}, extras: []extra{{key: "k", val: []byte("v")}}}).encode()
	f.Add(flows)
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := scanRecord(b)
		if err != nil {
			return
		}
		d := m.materialize(rec, time.Now())
		if rec.login != nil && d.login == nil {
			t.Fatal("scanned login does not decode")
		}
		b2, err := d.encode()
		if err != nil {
			t.Fatalf("decoded record does not encode: %v", err)
		}
		rec2, err := scanRecord(b2)
		if err != nil {
			t.Fatal(err)
		}
		if d2 := m.materialize(rec2, time.Now()); !reflect.DeepEqual(d, d2) {
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
