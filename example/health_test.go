package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestHealthz: the demo site answers its readiness probe at /healthz with
// 200 and a JSON report (store and Kakao's key set, from the fake mounted
// on the same listener), uncached, for GET and HEAD, and sets no cookie:
// the probe runs outside the session middleware (SECURITY C67).
func TestHealthz(t *testing.T) {
	_, base := startTestSite(t, appConfig{}) // demo mode: no Kakao keys, the fake at /_kakao
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		t.Run(method, func(t *testing.T) {
			req, err := http.NewRequest(method, base+"/healthz", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			if c := resp.Header.Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("C67: the probe set cookies %q", c)
			}
			if method == http.MethodHead {
				return
			}
			var rep struct {
				Status string
				Checks map[string]struct{ Status string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if rep.Status != "ok" || rep.Checks["store"].Status != "ok" || rep.Checks["kakao_keys"].Status != "ok" {
				t.Errorf("report %+v", rep)
			}
		})
	}
}
