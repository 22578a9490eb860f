package postgres

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// address is host:port/database, the part of the URL that errors may show.
func address(c *pgxpool.Config) string {
	cc := c.ConnConfig
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))) + "/" + cc.Database
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

// redact returns u as a string with its passwords, in the user info and in
// the password and sslpassword query parameters, masked.
func redact(u *url.URL) string {
	c := *u
	q := c.Query()
	for _, key := range []string{"password", "sslpassword"} {
		if q.Has(key) {
			q.Set(key, "xxxxx")
		}
	}
	c.RawQuery = q.Encode()
	return c.Redacted()
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
	for _, key := range []string{"password", "sslpassword"} {
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
