package session

import (
	"errors"
	"fmt"
	"time"
)

// The session record is a small versioned binary format:
//
//	byte    version (recordVersion)
//	int64   absolute deadline, Unix seconds, big endian
//	int64   last seen (idle clock), Unix seconds, big endian
//	[16]    session ID: random, kept for the session's whole life (it
//	        names the side records, see sideKey)
//	then optional sections, each a tag byte followed by its content, tags
//	strictly increasing, nothing after the last one:
//	  tagLogin    login record (see appendLogin)
//	  tagPending  pending record (see appendPending)
//	  tagCSRF     bytes: per-session CSRF secret (csrfSize bytes)
//	  tagHost     bytes: the host's own values, encoding/gob
//
// The Kakao tokens and the unfinished flows are not in the record but in
// side records of their own (see the package doc for why); their formats
// are the sealed TokenSet and a flow list (uvarint count, then flows).
//
// Strings and byte strings are a uvarint length and the bytes. Times are
// Unix seconds as uvarints, 0 meaning the zero time. Decoding checks every
// length against the bytes that remain before it slices or allocates, so a
// malicious length can neither panic nor allocate more than the input size.
// The two int64 header fields have a fixed position so that touching a
// session (moving "last seen") is a copy and an 8-byte patch.
const (
	recordVersion = 2
	sidSize       = 16
	headerSize    = 1 + 8 + 8 + sidSize
	seenOffset    = 1 + 8
	sidOffset     = 1 + 8 + 8

	tagLogin   = 1
	tagPending = 2
	tagCSRF    = 3
	tagHost    = 4

	maxString = 8 << 10  // any one string or byte string in a record
	maxSealed = 16 << 10 // the sealed token set (an ID token can be large)
	maxScopes = 64
	maxHost   = 32 << 10 // the host's own values, gob-encoded
	csrfSize  = 32
	maxRecord = 64 << 10
)

var (
	// errCorrupt marks a stored record that cannot be decoded: wrong
	// version, truncated, oversized or trailing bytes. Such a session is
	// treated as absent.
	errCorrupt = errors.New("session: undecodable session record")
)

// scopeDict interns the common Kakao consent item IDs: each is stored as
// one byte and decoded without allocating. Append only: the index is part
// of the stored format.
var scopeDict = [...]string{
	"openid", "profile_nickname", "profile_image", "profile", "account_email",
	"name", "gender", "age_range", "birthday", "birthyear", "phone_number",
	"account_ci", "legal_name", "legal_birth_date", "legal_gender",
	"shipping_address", "talk_message", "friends", "plusfriends", "talk_calendar",
}

// bytestring is the set of types a reader can decode from: a []byte when
// only validating, a string when materialising substrings without copies.
type bytestring interface{ ~string | ~[]byte }

// reader decodes one record section. After the first error every read
// returns zero values and err stays set.
type reader[T bytestring] struct {
	b   T
	off int
	err error
}

func (r *reader[T]) fail() {
	if r.err == nil {
		r.err = errCorrupt
	}
}

func (r *reader[T]) done() bool { return r.err != nil || r.off >= len(r.b) }

func (r *reader[T]) byte1() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail()
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader[T]) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c := r.byte1()
		if r.err != nil {
			return 0
		}
		if shift == 63 && c > 1 {
			r.fail()
			return 0
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	r.fail()
	return 0
}

func (r *reader[T]) int64be() int64 {
	if r.err != nil || len(r.b)-r.off < 8 {
		r.fail()
		return 0
	}
	var x uint64
	for i := 0; i < 8; i++ {
		x = x<<8 | uint64(r.b[r.off+i])
	}
	r.off += 8
	return int64(x)
}

// str reads a length-prefixed string of at most limit bytes.
func (r *reader[T]) str(limit int) T {
	n := r.uvarint()
	if r.err != nil || n > uint64(limit) || n > uint64(len(r.b)-r.off) {
		r.fail()
		var zero T
		return zero
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s
}

// count reads an element count of at most limit, each element taking at
// least one byte.
func (r *reader[T]) count(limit int) int {
	n := r.uvarint()
	if r.err != nil || n > uint64(limit) || n > uint64(len(r.b)-r.off) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *reader[T]) time() time.Time {
	u := r.uvarint()
	if u == 0 || r.err != nil {
		return time.Time{}
	}
	if u > 1<<40 {
		r.fail()
		return time.Time{}
	}
	return time.Unix(int64(u), 0).UTC()
}

func (r *reader[T]) scopes() []string { return r.scopesInto(nil) }

// scopesInto decodes a scope list, into buf when it has room.
func (r *reader[T]) scopesInto(buf []string) []string {
	n := r.count(maxScopes)
	if n == 0 || r.err != nil {
		return nil
	}
	out := buf[:0]
	if cap(out) < n {
		out = make([]string, 0, n)
	}
	for i := 0; i < n; i++ {
		code := r.byte1()
		switch {
		case r.err != nil:
			return nil
		case code == 0:
			out = append(out, string(r.str(maxString)))
		case int(code) <= len(scopeDict):
			out = append(out, scopeDict[code-1])
		default:
			r.fail()
			return nil
		}
	}
	return out
}

// skipScopes validates a scope list without allocating.
func (r *reader[T]) skipScopes() {
	n := r.count(maxScopes)
	for i := 0; i < n && r.err == nil; i++ {
		code := r.byte1()
		if code == 0 {
			r.str(maxString)
		} else if int(code) > len(scopeDict) {
			r.fail()
		}
	}
}

// appendUvarint, appendStr, appendTime and appendScopes are the writers
// matching the reader.
func appendUvarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func appendInt64be(b []byte, x int64) []byte {
	u := uint64(x)
	return append(b, byte(u>>56), byte(u>>48), byte(u>>40), byte(u>>32),
		byte(u>>24), byte(u>>16), byte(u>>8), byte(u))
}

func appendStr[T bytestring](b []byte, s T, limit int, what string) ([]byte, error) {
	if len(s) > limit {
		return b, fmt.Errorf("session: %s is %d bytes, more than %d", what, len(s), limit)
	}
	b = appendUvarint(b, uint64(len(s)))
	return append(b, s...), nil
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() || t.Unix() <= 0 {
		return append(b, 0)
	}
	return appendUvarint(b, uint64(t.Unix()))
}

func appendScopes(b []byte, scopes []string) ([]byte, error) {
	if len(scopes) > maxScopes {
		return b, fmt.Errorf("session: %d scopes, more than %d", len(scopes), maxScopes)
	}
	b = appendUvarint(b, uint64(len(scopes)))
	var err error
outer:
	for _, s := range scopes {
		for i, d := range scopeDict {
			if s == d {
				b = append(b, byte(i+1))
				continue outer
			}
		}
		b = append(b, 0)
		if b, err = appendStr(b, s, maxString, "scope"); err != nil {
			return b, err
		}
	}
	return b, nil
}
