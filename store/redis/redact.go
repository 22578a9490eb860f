package redis

import (
	"net/url"

	"github.com/kakaologin/kakaologin/store"
)

// redact returns u as a string with its passwords, in the user info and in
// the query (also the Sentinel password), masked.
func redact(u *url.URL) string { return store.Redact(u) }

// withoutURL drops the URL text from a url.Parse error.
func withoutURL(err error) error { return store.WithoutURL(err) }

// scrubSecrets masks every password that u carries, raw or escaped, in msg.
func scrubSecrets(msg string, u *url.URL) string { return store.ScrubSecrets(msg, u) }
