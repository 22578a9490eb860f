// Package redact keeps passwords out of the error messages and logs of the
// store backends: every backend names the address it failed to reach, and
// none may show the credentials in it.
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// isSecretParam reports query parameters that carry credentials in some
// drivers' URLs.
func isSecretParam(name string) bool {
	switch strings.ToLower(name) {
	case "password", "pass", "pwd", "sslpassword", "sentinel_password", "token", "secret":
		return true
	}
	return false
}

// URL returns u as a string with any password replaced, in the user info
// and in credential query parameters, for error messages and logs. A user
// name that contains the password (such as "app:app") is replaced too,
// since showing it would show the password.
func URL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if pw, ok := c.User.Password(); ok && pw != "" && strings.Contains(c.User.Username(), pw) {
		c.User = url.UserPassword("xxxxx", pw)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if isSecretParam(k) {
				q[k] = []string{"xxxxx"}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.Redacted()
}

// Secrets masks in msg every password that u carries (in its user info or
// in credential query parameters), raw or escaped, for backends whose
// drivers may put them in error texts.
func Secrets(msg string, u *url.URL) string {
	if u == nil {
		return msg
	}
	var secrets []string
	if pw, ok := u.User.Password(); ok {
		secrets = append(secrets, pw, url.PathEscape(pw), url.QueryEscape(pw))
		if _, after, ok := strings.Cut(u.User.String(), ":"); ok {
			secrets = append(secrets, after)
		}
	}
	for key, vs := range u.Query() {
		if !isSecretParam(key) {
			continue
		}
		for _, v := range vs {
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

// WithoutURL drops the URL text from a url.Parse (or net/http) error,
// which may hold a password, and keeps what went wrong.
func WithoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
