package redis

import (
	"github.com/kakaologin/kakaologin/store/internal/redact"
	"net/url"
	"strings"
	"testing"
)

// FuzzOpenURL: no store URL, however malformed, panics the parser, and no
// error shows the password it carries.
func FuzzOpenURL(f *testing.F) {
	for _, s := range []string{
		"redis://127.0.0.1:6379/0",
		"rediss://u:p@h:1/2?prefix=a:&dial_timeout=3s",
		"redis://h?cluster=true&addr=h2:2&addr=h3:3",
		"redis://h/0?master_name=m&password=p&addr=s:1",
		"redis://h/0?prefix=%7B",
		"redis://[::1]:6379/0?cluster=1",
	} {
		f.Add(s)
	}
	const secret = "Zq9secretZq9"
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		u.Scheme = "redis"
		u.User = url.UserPassword("app", secret)
		q := u.Query()
		if q.Has("master_name") {
			q.Set("password", secret)
			u.RawQuery = q.Encode()
		}
		cfg := defaultConfig()
		rest := *u
		p, err := takeURLParams(&rest, &cfg)
		if err == nil {
			err = cfg.check()
		}
		if err == nil {
			if _, err = parseClientOptions(&rest, p); err == nil {
				return
			}
		}
		if msg := redact.Secrets(err.Error(), u) + redact.URL(u); strings.Contains(msg, secret) {
			t.Errorf("error shows the password: %s", msg)
		}
	})
}

// FuzzDecodeLinkValue: stored link values (which anyone with write access
// to Redis can set) never panic the decoder, and what decodes re-encodes to
// a value that decodes the same.
func FuzzDecodeLinkValue(f *testing.F) {
	for _, s := range []string{"c:1715000000000000000:N0NCE:alice", "p:1:n:a:b:c", "c:1::x", "x:1:n:y", ":", "c:-5:n:", "c:99999999999999999999:n:a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		lv, err := decodeLinkValue(v)
		if err != nil {
			return
		}
		if lv.nonce == "" || strings.Contains(lv.nonce, ":") {
			t.Errorf("decoded nonce %q of %q", lv.nonce, v)
		}
		if !strings.HasSuffix(v, ":"+lv.other) {
			t.Errorf("decoded other side %q is not the end of %q", lv.other, v)
		}
		if again, err := decodeLinkValue(lv.String()); err != nil || again != lv {
			t.Errorf("%q decodes to %+v, which re-encodes as %q and decodes to %+v, %v", v, lv, lv.String(), again, err)
		}
	})
}

// FuzzSessionKeys: every token gets a data and tombstone key in one slot.
func FuzzSessionKeys(f *testing.F) {
	for _, s := range []string{"", "{", "}", "{}", "a{b}c", "}{", "plain"} {
		f.Add(s)
	}
	k := keys{DefaultPrefix}
	f.Fuzz(func(t *testing.T, tok string) {
		data, tomb := k.session(tok)
		if hashSlot(data) != hashSlot(tomb) || data == tomb {
			t.Errorf("token %q: keys %q and %q", tok, data, tomb)
		}
	})
}

// FuzzParseReplication: any INFO replication text gives a count of at
// least zero or an error, never a panic.
func FuzzParseReplication(f *testing.F) {
	f.Add("# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=7004\r\nmaster_replid:abc\r\n")
	f.Add("role:slave\r\nmaster_link_status:up\r\n")
	f.Add("connected_slaves:-1\r\n")
	f.Add("connected_slaves:99999999999999999999\n")
	f.Fuzz(func(t *testing.T, info string) {
		n, _, err := parseReplication(info)
		if err == nil && n < 0 {
			t.Fatalf("parseReplication(%q) = %d", info, n)
		}
	})
}
