package idtoken

import (
	"context"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// Issue 14: an SDK login's ID token names the SDK's key as its audience;
// with Checks.Audiences it must be exactly one of them, and the REST API
// key or another app's key is refused.
func TestVerifySDKAudiences(t *testing.T) {
	f := newFixture(t)
	sdk := Checks{Nonce: "n-1", Audiences: []string{"native-key", "js-key"}}
	for _, tc := range []struct {
		name   string
		mut    func(map[string]any)
		checks Checks
		ok     bool
	}{
		{"native key", func(m map[string]any) { m["aud"] = "native-key" }, sdk, true},
		{"JavaScript key, one-element array", func(m map[string]any) { m["aud"] = []string{"js-key"} }, sdk, true},
		{"azp equal to aud", func(m map[string]any) { m["aud"], m["azp"] = "js-key", "js-key" }, sdk, true},
		{"REST API key where SDK keys are asked for", func(m map[string]any) {}, sdk, false},
		{"another app's key", func(m map[string]any) { m["aud"] = "other-app-key" }, sdk, false},
		{"two SDK keys", func(m map[string]any) { m["aud"] = []string{"native-key", "js-key"} }, sdk, false},
		{"azp another key", func(m map[string]any) { m["aud"], m["azp"] = "native-key", "js-key" }, sdk, false},
		{"SDK key where the client ID is asked for", func(m map[string]any) { m["aud"] = "native-key" }, Checks{Nonce: "n-1"}, false},
		{"expired SDK token", func(m map[string]any) { m["aud"], m["exp"] = "native-key", f.now.Unix()-61 }, sdk, false},
		{"SDK token, nonce other", func(m map[string]any) { m["aud"], m["nonce"] = "native-key", "n-2" }, sdk, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := f.claims()
			tc.mut(m)
			_, err := f.v.Verify(context.Background(), sign(t, f.key, jose.RS256, m, nil), tc.checks)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrInvalid) {
				t.Fatalf("accepted or wrong error: %v", err)
			}
		})
	}
}
