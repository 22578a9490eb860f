package kakaogin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin/internal/idtoken"
)

// healthTimeout bounds each check of Health, so that a hung store or a
// slow Kakao turns into a "timeout" answer well within a probe's own
// deadline (Kubernetes waits one second by default, many load balancers
// a few).
const healthTimeout = 2 * time.Second

// The statuses of a health check and of the whole answer.
const (
	healthOK      = "ok"      // the dependency answered
	healthFailing = "failing" // it did not; logins would fail now
	healthSkipped = "skipped" // nothing to check (OIDC off, a store without Ping)
)

// The reasons a failing check gives. They are fixed words, never an
// error's text, which may hold a store URL with its password or a Kakao
// answer.
const (
	reasonTimeout     = "timeout"
	reasonUnavailable = "unavailable"
	reasonDiscovery   = "discovery_failed"
)

// healthCheck is one check's part of the answer.
type healthCheck struct {
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	LatencyMS *int64 `json:"latency_ms,omitempty"`
}

// healthReport is the JSON body of a Health answer.
type healthReport struct {
	Status string                 `json:"status"`
	Checks map[string]healthCheck `json:"checks"`
}

// pinger is the part of a store Health checks; every store.Store has it.
type pinger interface {
	Ping(ctx context.Context) error
}

// Health returns a readiness handler: it checks, concurrently and with a
// two-second limit each, that the session store answers its Ping
// ("store") and that Kakao's ID-token key set is usable ("kakao_keys"),
// and answers 200 with a JSON report when both pass, 503 naming the
// failing check otherwise. A load balancer or an orchestrator polls it to
// stop sending users to an instance whose logins would fail.
//
// The key set check makes no request to Kakao once the discovery document
// and the key set are cached, which is the normal state after the first
// login or probe; before that, it fetches them within the limits logins
// already obey (a failed discovery is retried after ten seconds at the
// earliest, the key set at most three times a minute), so a probe polled
// every few seconds cannot flood Kakao. With Login.DisableOIDC the check
// is "skipped". The report never holds error text: failures are given as
// fixed words ("timeout", "unavailable", "discovery_failed"), since an
// error may carry a store URL with its password or a Kakao answer.
//
// It answers GET and HEAD (405 otherwise), with Cache-Control: no-store.
// It reads no cookie and never loads, creates or saves a session, so it
// works with or without Middleware in front of it; mounting it outside the
// session middleware (or on a separate internal listener) keeps probes from
// touching the session store beyond the Ping.
//
// It is an http.Handler rather than a gin.HandlerFunc because probes are
// often served on a separate port or mux without Gin; in a Gin router,
// wrap it with gin.WrapH and register it for both GET and HEAD.
func (k *Kakao) Health() http.Handler {
	return k.health(healthTimeout)
}

// health is Health with a chosen limit per check.
func (k *Kakao) health(limit time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		rep := k.checkHealth(r.Context(), limit)
		status := http.StatusOK
		if rep.Status != healthOK {
			status = http.StatusServiceUnavailable
		}
		body, err := json.Marshal(rep)
		if err != nil { // cannot happen: the report holds only strings and numbers
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		h.Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = w.Write(append(body, '\n'))
		}
	})
}

// checkHealth runs the checks concurrently and gathers their results.
func (k *Kakao) checkHealth(ctx context.Context, limit time.Duration) healthReport {
	checks := map[string]func(context.Context) (bool, error){
		"store":      k.pingStore,
		"kakao_keys": k.keysReady,
	}
	rep := healthReport{Status: healthOK, Checks: make(map[string]healthCheck, len(checks))}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for name, check := range checks {
		wg.Go(func() {
			c := runCheck(ctx, limit, check)
			mu.Lock()
			defer mu.Unlock()
			rep.Checks[name] = c
			if c.Status == healthFailing {
				rep.Status = healthFailing
			}
		})
	}
	wg.Wait()
	return rep
}

// runCheck runs check with its own deadline and returns as soon as the
// deadline passes, even if check ignores its context (a store driver that
// does not honour it must not hold the probe open).
func runCheck(ctx context.Context, limit time.Duration, check func(context.Context) (bool, error)) healthCheck {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	type result struct {
		ran bool
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		ran, err := check(ctx)
		done <- result{ran, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		res = result{ran: true, err: ctx.Err()}
	}
	if !res.ran {
		return healthCheck{Status: healthSkipped}
	}
	ms := time.Since(start).Milliseconds()
	c := healthCheck{Status: healthOK, LatencyMS: &ms}
	if res.err != nil {
		c.Status, c.Reason = healthFailing, healthReason(ctx, res.err)
	}
	return c
}

// healthReason maps a check's error to a fixed word.
func healthReason(ctx context.Context, err error) string {
	switch {
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return reasonTimeout
	case errors.Is(err, idtoken.ErrDiscovery):
		return reasonDiscovery
	default:
		return reasonUnavailable
	}
}

// pingStore pings the session store; a store without Ping is skipped.
func (k *Kakao) pingStore(ctx context.Context) (bool, error) {
	p, ok := k.cfg.Sessions.Store().(pinger)
	if !ok {
		return false, nil
	}
	return true, p.Ping(ctx)
}

// keysReady checks that ID tokens can be verified: the discovery document
// and the key set are cached or can be fetched now. It is skipped with
// Login.DisableOIDC.
func (k *Kakao) keysReady(ctx context.Context) (bool, error) {
	if k.cfg.Login.DisableOIDC {
		return false, nil
	}
	return true, k.oidc.Ready(ctx)
}
