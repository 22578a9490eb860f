package session

import (
	"bytes"
	"crypto/rand"
	"encoding/gob"
	"errors"
	"fmt"
	"time"
)

// recordKey is the key of the Manager's own state in scs's values map:
// a *record as loaded (decoded lazily) or, once the request changed it, a
// *draft. Every other key is a host value.
const recordKey = "kakaologin"

// scsCodec is the scs.Codec of the compact record. The Manager's state is
// written in the record's own sections; host values, when there are any,
// are encoded with encoding/gob into one section, so a host value must be
// of a type gob can encode (register concrete types stored behind
// interfaces with gob.Register, as with scs's default codec).
type scsCodec struct{ m *Manager }

// Encode writes values, stamping the record's last-seen time: a commit is
// activity. scs's deadline is not used; the record keeps its own.
func (c scsCodec) Encode(_ time.Time, values map[string]any) ([]byte, error) {
	host, err := encodeHost(values)
	if err != nil {
		return nil, err
	}
	seen := c.m.now().Unix()
	switch v := values[recordKey].(type) {
	case *record:
		return v.reencode(host, seen)
	case *draft:
		return v.encode(host, seen)
	}
	return nil, errors.New("session: scs values hold no session record")
}

// Decode scans b and returns its record, decoded no further; host values
// are decoded only when the record holds some.
func (c scsCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	rec, err := scanRecord(b)
	if err != nil {
		return time.Time{}, nil, err
	}
	values := map[string]any{recordKey: rec}
	if rec.host != nil {
		// A variable of its own: gob needs its address, which would move
		// values to the heap on every load, host values or not.
		host := values
		if err := gob.NewDecoder(bytes.NewReader(rec.host)).Decode(&host); err != nil {
			return time.Time{}, nil, fmt.Errorf("%w: host values: %w", errCorrupt, err)
		}
		host[recordKey] = rec
		values = host
	}
	return time.Unix(rec.deadline, 0), values, nil
}

// encodeHost gob-encodes every value but the Manager's own; nil when there
// are none.
func encodeHost(values map[string]any) ([]byte, error) {
	if len(values) <= 1 {
		if _, ok := values[recordKey]; ok || len(values) == 0 {
			return nil, nil
		}
	}
	host := make(map[string]any, len(values))
	for k, v := range values {
		if k != recordKey {
			host[k] = v
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(host); err != nil {
		return nil, fmt.Errorf("session: encode host values: %w", err)
	}
	return buf.Bytes(), nil
}

// newDraft is the record of a new session.
func (m *Manager) newDraft(now time.Time) *draft {
	sid := make([]byte, sidSize)
	_, _ = rand.Read(sid) // crypto/rand.Read never fails
	return &draft{deadline: now.Add(m.cfg.Lifetime).Unix(), seen: now.Unix(), sid: sid}
}
