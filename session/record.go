package session

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"
)

// record is a stored session as loaded: the raw bytes (kept for
// compare-and-swap) and, per section, where its content lies in them. It is
// produced by a validating scan that allocates nothing but the record
// itself; sections are decoded into Go values only when asked for.
type record struct {
	raw      []byte
	deadline int64 // absolute expiry, Unix seconds
	seen     int64 // last activity, Unix seconds
	login    []byte
	sealed   []byte
	csrf     []byte
	flows    []byte
	extras   []byte
}

// extra is one item of small host data.
type extra struct {
	key string
	val []byte
}

// draft is a session fully decoded into Go values, ready to be changed and
// encoded again.
type draft struct {
	deadline int64
	seen     int64
	login    *Login
	sealed   []byte
	csrf     []byte
	flows    []Flow
	extras   []extra
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

// scanRecordInto is scanRecord into a record the caller owns (the request
// state keeps one, saving an allocation per request). On error rec is
// left partly filled and must not be used.
func scanRecordInto(rec *record, b []byte) error {
	if len(b) < headerSize || len(b) > maxRecord {
		return errCorrupt
	}
	if b[0] != recordVersion {
		return fmt.Errorf("%w: version %d", errCorrupt, b[0])
	}
	r := reader[[]byte]{b: b, off: 1}
	*rec = record{raw: b, deadline: r.int64be(), seen: r.int64be()}
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
			r.str(maxString) // user ID
			r.uvarint()      // Kakao ID
			r.str(maxString) // nickname
			r.str(maxString) // image URL
			r.skipScopes()
			r.uvarint() // logged in at
			r.uvarint() // auth time
			rec.login = b[start:r.off]
		case tagSealed:
			if rec.sealed = r.str(maxSealed); len(rec.sealed) == 0 {
				r.fail() // the encoder never writes an empty section
			}
		case tagCSRF:
			if rec.csrf = r.str(csrfSize); len(rec.csrf) != csrfSize {
				r.fail()
			}
		case tagFlows:
			n := r.count(MaxFlows)
			if n == 0 {
				r.fail()
			}
			for i := 0; i < n && r.err == nil; i++ {
				for j := 0; j < 6; j++ {
					r.str(maxString)
				}
				r.uvarint()
			}
			rec.flows = b[start:r.off]
		case tagExtras:
			n := r.count(maxExtras)
			if n == 0 {
				r.fail()
			}
			for i := 0; i < n && r.err == nil; i++ {
				r.str(maxExtraKey)
				r.str(maxExtraSize)
			}
			rec.extras = b[start:r.off]
		default:
			r.fail()
		}
	}
	return r.err
}

// decodeLogin materialises a login section. All strings share one copy of
// the section; known scopes are interned and cost nothing.
func decodeLogin(sec []byte) *Login {
	r := reader[string]{b: string(sec)}
	// One allocation for the Login and (usually) its scope list.
	box := &struct {
		l      Login
		scopes [8]string
	}{}
	l := &box.l
	*l = Login{
		UserID:   r.str(maxString),
		KakaoID:  unzigzag(r.uvarint()),
		Nickname: r.str(maxString),
		ImageURL: r.str(maxString),
	}
	l.Scopes = r.scopesInto(box.scopes[:0])
	l.LoggedInAt = r.time()
	l.AuthTime = r.time()
	if r.err != nil {
		return nil
	}
	return l
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

func decodeFlows(sec []byte) []Flow {
	r := reader[string]{b: string(sec)}
	n := r.count(MaxFlows)
	flows := make([]Flow, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		flows = append(flows, Flow{
			StateHash: r.str(maxString),
			Purpose:   r.str(maxString),
			ReturnTo:  r.str(maxString),
			Verifier:  r.str(maxString),
			Nonce:     r.str(maxString),
			UserID:    r.str(maxString),
			CreatedAt: r.time(),
		})
	}
	if r.err != nil {
		return nil
	}
	return flows
}

func appendFlow(b []byte, f *Flow) ([]byte, error) {
	var err error
	for _, s := range [...]string{f.StateHash, f.Purpose, f.ReturnTo, f.Verifier, f.Nonce, f.UserID} {
		if b, err = appendStr(b, s, maxString, "flow field"); err != nil {
			return b, err
		}
	}
	return appendTime(b, f.CreatedAt), nil
}

func decodeExtras(sec []byte) []extra {
	r := reader[[]byte]{b: sec}
	n := r.count(maxExtras)
	out := make([]extra, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		k := string(r.str(maxExtraKey))
		out = append(out, extra{key: k, val: bytes.Clone(r.str(maxExtraSize))})
	}
	return out
}

// materialize decodes every section of rec into a new draft; rec nil gives
// the draft of a new session.
func (m *Manager) materialize(rec *record, now time.Time) *draft {
	if rec == nil {
		return &draft{deadline: now.Add(m.cfg.Lifetime).Unix(), seen: now.Unix()}
	}
	d := &draft{deadline: rec.deadline, seen: rec.seen, sealed: rec.sealed, csrf: rec.csrf}
	if rec.login != nil {
		d.login = decodeLogin(rec.login)
	}
	if rec.flows != nil {
		d.flows = decodeFlows(rec.flows)
	}
	if rec.extras != nil {
		d.extras = decodeExtras(rec.extras)
	}
	return d
}

// encode writes d in the record format.
func (d *draft) encode() ([]byte, error) {
	b := make([]byte, 0, 256+len(d.sealed))
	b = append(b, recordVersion)
	b = appendInt64be(b, d.deadline)
	b = appendInt64be(b, d.seen)
	var err error
	if d.login != nil {
		b = append(b, tagLogin)
		if b, err = appendLogin(b, d.login); err != nil {
			return nil, err
		}
	}
	if len(d.sealed) > 0 {
		b = append(b, tagSealed)
		if b, err = appendStr(b, d.sealed, maxSealed, "sealed tokens"); err != nil {
			return nil, err
		}
	}
	if len(d.csrf) == csrfSize {
		b = append(b, tagCSRF)
		b, _ = appendStr(b, d.csrf, csrfSize, "CSRF secret")
	}
	if len(d.flows) > 0 {
		if len(d.flows) > MaxFlows {
			return nil, fmt.Errorf("session: %d flows, more than %d", len(d.flows), MaxFlows)
		}
		b = append(b, tagFlows)
		b = appendUvarint(b, uint64(len(d.flows)))
		for i := range d.flows {
			if b, err = appendFlow(b, &d.flows[i]); err != nil {
				return nil, err
			}
		}
	}
	if len(d.extras) > 0 {
		if len(d.extras) > maxExtras {
			return nil, fmt.Errorf("session: %d extra items, more than %d", len(d.extras), maxExtras)
		}
		b = append(b, tagExtras)
		b = appendUvarint(b, uint64(len(d.extras)))
		for _, e := range d.extras {
			if b, err = appendStr(b, e.key, maxExtraKey, "extra key"); err != nil {
				return nil, err
			}
			if b, err = appendStr(b, e.val, maxExtraSize, "extra value"); err != nil {
				return nil, err
			}
		}
	}
	if len(b) > maxRecord {
		return nil, fmt.Errorf("session: record is %d bytes, more than %d", len(b), maxRecord)
	}
	return b, nil
}

// touched returns a copy of raw with the last-seen time set to seen.
func touched(raw []byte, seen int64) []byte {
	b := bytes.Clone(raw)
	binary.BigEndian.PutUint64(b[seenOffset:], uint64(seen))
	return b
}

func zigzag(x int64) uint64   { return uint64(x<<1) ^ uint64(x>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }
