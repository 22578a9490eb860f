package session

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// record is a stored session as loaded: the raw bytes and, per section,
// where its content lies in them. It is produced by a validating scan that
// allocates nothing but the record itself; sections are decoded into Go
// values only when asked for.
type record struct {
	raw      []byte
	deadline int64 // absolute expiry, Unix seconds
	seen     int64 // last activity, Unix seconds
	sid      []byte
	login    []byte
	pending  []byte
	csrf     []byte
	host     []byte
}

// draft is a session record fully decoded into Go values, ready to be
// changed and encoded again. Once a request changes its session, the draft
// replaces the record in scs's values.
type draft struct {
	deadline int64
	seen     int64
	sid      []byte
	login    *Login
	pending  *Pending
	csrf     []byte
}

// scanRecord validates b completely and returns its view. It fails with
// errCorrupt (wrapped) on any structural problem.
func scanRecord(b []byte) (*record, error) {
	rec := new(record)
	if err := scanRecordInto(rec, b); err != nil {
		return nil, err
	}
	return rec, nil
}

// scanRecordInto is scanRecord into a record the caller owns. On error rec
// is left partly filled and must not be used.
func scanRecordInto(rec *record, b []byte) error {
	if len(b) < headerSize || len(b) > maxRecord {
		return errCorrupt
	}
	if b[0] != recordVersion {
		return fmt.Errorf("%w: version %d", errCorrupt, b[0])
	}
	r := reader[[]byte]{b: b, off: 1}
	*rec = record{raw: b, deadline: r.int64be(), seen: r.int64be(), sid: b[sidOffset:headerSize:headerSize]}
	r.off = headerSize
	last := byte(0)
	for !r.done() {
		tag := r.byte1()
		if tag <= last {
			return errCorrupt
		}
		last = tag
		start := r.off
		switch tag {
		case tagLogin:
			r.skipLogin()
			rec.login = b[start:r.off]
		case tagPending:
			r.str(maxString) // kind
			r.str(maxString) // candidate
			r.skipLogin()
			r.str(maxString) // email
			r.byte1()        // email verified
			r.skipScopes()   // needs agreement
			r.time()         // created
			r.time()         // expires
			rec.pending = b[start:r.off]
		case tagCSRF:
			if rec.csrf = r.str(csrfSize); len(rec.csrf) != csrfSize {
				r.fail()
			}
		case tagHost:
			if rec.host = r.str(maxHost); len(rec.host) == 0 {
				r.fail() // the encoder never writes an empty section
			}
		default:
			r.fail()
		}
	}
	return r.err
}

func (r *reader[T]) skipLogin() {
	r.str(maxString) // user ID
	r.uvarint()      // Kakao ID
	r.str(maxString) // nickname
	r.str(maxString) // image URL
	r.skipScopes()
	r.time() // logged in at: r.time, not r.uvarint, so that scanning
	r.time() // refuses exactly what decoding refuses (an out-of-range time)
}

// decodeLogin materialises a login section. All strings share one copy of
// the section; known scopes are interned and cost nothing.
func decodeLogin(sec []byte) *Login {
	return decodeLoginInto(new(loginBox), sec)
}

// loginBox holds a decoded Login and (usually) its scope list in one
// allocation; the request state keeps one, so a request's login costs none.
type loginBox struct {
	l      Login
	scopes [16]string
}

func decodeLoginInto(box *loginBox, sec []byte) *Login {
	// The strings share the section's bytes: a record's raw bytes are
	// never changed once scanned (reencode copies them).
	r := reader[string]{b: unsafe.String(unsafe.SliceData(sec), len(sec))}
	l := &box.l
	r.loginInto(l, box.scopes[:0])
	if r.err != nil {
		return nil
	}
	return l
}

func (r *reader[T]) loginInto(l *Login, scopes []string) {
	*l = Login{
		UserID:   string(r.str(maxString)),
		KakaoID:  unzigzag(r.uvarint()),
		Nickname: string(r.str(maxString)),
		ImageURL: string(r.str(maxString)),
	}
	l.Scopes = r.scopesInto(scopes)
	l.LoggedInAt = r.time()
	l.AuthTime = r.time()
}

func appendLogin(b []byte, l *Login) ([]byte, error) {
	var err error
	if b, err = appendStr(b, l.UserID, maxString, "user ID"); err != nil {
		return b, err
	}
	b = appendUvarint(b, zigzag(l.KakaoID))
	if b, err = appendStr(b, l.Nickname, maxString, "nickname"); err != nil {
		return b, err
	}
	if b, err = appendStr(b, l.ImageURL, maxString, "image URL"); err != nil {
		return b, err
	}
	if b, err = appendScopes(b, l.Scopes); err != nil {
		return b, err
	}
	b = appendTime(b, l.LoggedInAt)
	return appendTime(b, l.AuthTime), nil
}

// decode materialises every section of rec into a new draft.
func (rec *record) decode() *draft {
	d := &draft{deadline: rec.deadline, seen: rec.seen, sid: rec.sid, csrf: rec.csrf}
	if rec.login != nil {
		d.login = decodeLogin(rec.login)
	}
	if rec.pending != nil {
		d.pending = decodePending(rec.pending)
	}
	return d
}

// encode writes d in the record format, with the host's values (already
// gob-encoded, nil for none) and seen as the last-seen time.
func (d *draft) encode(host []byte, seen int64) ([]byte, error) {
	if len(d.sid) != sidSize {
		return nil, fmt.Errorf("session: session ID is %d bytes, want %d", len(d.sid), sidSize)
	}
	b := make([]byte, 0, 128+len(host))
	b = append(b, recordVersion)
	b = appendInt64be(b, d.deadline)
	b = appendInt64be(b, seen)
	b = append(b, d.sid...)
	var err error
	if d.login != nil {
		b = append(b, tagLogin)
		if b, err = appendLogin(b, d.login); err != nil {
			return nil, err
		}
	}
	if d.pending != nil {
		b = append(b, tagPending)
		if b, err = appendPending(b, d.pending); err != nil {
			return nil, err
		}
	}
	if len(d.csrf) == csrfSize {
		b = append(b, tagCSRF)
		b, _ = appendStr(b, d.csrf, csrfSize, "CSRF secret")
	}
	if len(host) > 0 {
		b = append(b, tagHost)
		if b, err = appendStr(b, host, maxHost, "host values"); err != nil {
			return nil, err
		}
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("session: record is %d bytes, more than %d", len(b), maxRecord)
	}
	return b, nil
}

// reencode writes rec again with a new last-seen time and host values,
// copying its own sections as they are.
func (rec *record) reencode(host []byte, seen int64) ([]byte, error) {
	end := len(rec.raw)
	if rec.host != nil {
		end = hostStart(rec)
	}
	b := make([]byte, 0, end+len(host)+4)
	b = append(b, rec.raw[:end]...)
	binary.BigEndian.PutUint64(b[seenOffset:], uint64(seen))
	if len(host) > 0 {
		var err error
		b = append(b, tagHost)
		if b, err = appendStr(b, host, maxHost, "host values"); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// hostStart is the offset of the tag byte of rec's host section (always
// the last section).
func hostStart(rec *record) int {
	n := len(rec.host)
	var lenBuf [binary.MaxVarintLen64]byte
	return len(rec.raw) - n - len(appendUvarint(lenBuf[:0], uint64(n))) - 1
}

// clone returns a copy of d that can be changed without touching d.
func (d *draft) clone() *draft {
	c := *d
	return &c
}

func zigzag(x int64) uint64   { return uint64(x<<1) ^ uint64(x>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }
