package idtoken

import (
	"fmt"
	"testing"
)

func FuzzParseKakaoID(f *testing.F) {
	for _, s := range []string{"1", "9223372036854775807", "9223372036854775808", "-1", "+1", " 1", "0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseKakaoID(s)
		if err == nil && (id <= 0 || fmt.Sprint(id) != s) {
			t.Fatalf("ParseKakaoID(%q) = %d", s, id)
		}
	})
}
