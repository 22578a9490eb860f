package urlparam

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTaker(t *testing.T) {
	u, _ := url.Parse("redis://h/0?prefix=a&prefix=b&wait=2s&n=3&on=true&keep=1")
	var (
		prefix string
		wait   time.Duration
		n      int
		on     bool
	)
	tk := New(u)
	tk.String("prefix", &prefix)
	tk.Duration("wait", "2s", &wait)
	tk.PositiveInt("n", &n)
	tk.Bool("on", &on)
	tk.Bool("absent", &on)
	if err := tk.Finish(u); err != nil {
		t.Fatal(err)
	}
	if prefix != "b" || wait != 2*time.Second || n != 3 || !on || u.RawQuery != "keep=1" {
		t.Fatalf("prefix %q wait %v n %d on %v, left %q", prefix, wait, n, on, u.RawQuery)
	}
}

func TestTakerErrors(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"wait=soon", `wait="soon" is not a duration such as 2s`},
		{"n=0", `n="0" is not a positive number`},
		{"n=x", `n="x" is not a positive number`},
		{"on=yes", `on="yes" is not true or false`},
		{"n=0&on=yes", `n="0"`}, // the first error
	} {
		u, _ := url.Parse("x://h/?" + tc.query + "&keep=1")
		var (
			wait time.Duration
			n    int
			on   bool
		)
		tk := New(u)
		tk.Duration("wait", "2s", &wait)
		tk.PositiveInt("n", &n)
		tk.Bool("on", &on)
		err := tk.Finish(u)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.query, err, tc.want)
		}
		if !strings.Contains(u.RawQuery, tc.query[:2]) {
			t.Errorf("%s: the URL changed on error: %q", tc.query, u.RawQuery)
		}
	}
}
