package redis

import (
	"errors"
	"net/url"
	"strings"

	"github.com/kakaologin/kakaologin/store"
)

// secretParams are the query parameters of a store URL that hold passwords
// (the master's, for Sentinel URLs).
var secretParams = []string{"password", "sentinel_password"}

// redact returns u as a string with its passwords, in the user info and in
// the query, masked.
func redact(u *url.URL) string {
	c := *u
	q := c.Query()
	masked := false
	for _, key := range secretParams {
		if q.Has(key) {
			q.Set(key, "xxxxx")
			masked = true
		}
	}
	if masked {
		c.RawQuery = q.Encode()
	}
	return store.Redact(&c)
}

// withoutURL drops the URL text from a url.Parse error, which may hold a
// password.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// scrubSecrets masks every password that u carries, raw or escaped, in msg.
func scrubSecrets(msg string, u *url.URL) string {
	var secrets []string
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw, url.PathEscape(pw), url.QueryEscape(pw))
		if _, after, ok := strings.Cut(u.User.String(), ":"); ok {
			secrets = append(secrets, after)
		}
	}
	q := u.Query()
	for _, key := range secretParams {
		for _, v := range q[key] {
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}
