// Package urlparam takes a store backend's own query parameters out of
// its store URL, before the rest of the URL reaches the driver (which
// would pass parameters it does not know on to the server). A repeated
// parameter counts with its last value; the first malformed one is the
// error.
package urlparam

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Taker takes parameters out of one URL's query.
type Taker struct {
	q   url.Values
	err error
}

// New starts taking parameters out of u's query.
func New(u *url.URL) *Taker {
	return &Taker{q: u.Query()}
}

// take removes name from the query and returns its last value.
func (t *Taker) take(name string) (string, bool) {
	v, ok := t.q[name]
	if !ok {
		return "", false
	}
	t.q.Del(name)
	return v[len(v)-1], true
}

// fail records the first error.
func (t *Taker) fail(format string, args ...any) {
	if t.err == nil {
		t.err = fmt.Errorf(format, args...)
	}
}

// String sets *dst to name's value, when present.
func (t *Taker) String(name string, dst *string) {
	if v, ok := t.take(name); ok {
		*dst = v
	}
}

// Duration sets *dst to name's value, a Go duration; example is one that
// the error message shows (such as "5m").
func (t *Taker) Duration(name, example string, dst *time.Duration) {
	v, ok := t.take(name)
	if !ok {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.fail("%s=%q is not a duration such as %s", name, v, example)
		return
	}
	*dst = d
}

// PositiveInt sets *dst to name's value, a number above zero.
func (t *Taker) PositiveInt(name string, dst *int) {
	v, ok := t.take(name)
	if !ok {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.fail("%s=%q is not a positive number", name, v)
		return
	}
	*dst = n
}

// Bool sets *dst to name's value, true or false (as strconv.ParseBool
// reads them).
func (t *Taker) Bool(name string, dst *bool) {
	v, ok := t.take(name)
	if !ok {
		return
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		t.fail("%s=%q is not true or false", name, v)
		return
	}
	*dst = b
}

// Finish returns the first malformed parameter's error or, when there is
// none, leaves in u's query only the parameters nobody took.
func (t *Taker) Finish(u *url.URL) error {
	if t.err != nil {
		return t.err
	}
	u.RawQuery = t.q.Encode()
	return nil
}
