package postgres

import (
	"net"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kakaologin/kakaologin/store"
)

// address is host:port/database, the part of the URL that errors may show.
func address(c *pgxpool.Config) string {
	cc := c.ConnConfig
	return net.JoinHostPort(cc.Host, strconv.Itoa(int(cc.Port))) + "/" + cc.Database
}

// withoutURL drops the URL text from a url.Parse error.
func withoutURL(err error) error { return store.WithoutURL(err) }

// redact returns u as a string with its passwords, in the user info and in
// the password and sslpassword query parameters, masked.
func redact(u *url.URL) string { return store.Redact(u) }

// scrubSecrets masks every password that u carries, raw or escaped, in msg.
func scrubSecrets(msg string, u *url.URL) string { return store.ScrubSecrets(msg, u) }
