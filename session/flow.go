package session

import (
	"crypto/subtle"
	"fmt"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// Flow limits.
const (
	// MaxFlows is how many unfinished login flows a session keeps; adding
	// one more evicts the oldest, so parallel tabs work but stay bounded.
	MaxFlows = 5
	// FlowLifetime is how long a flow can be finished after it started.
	FlowLifetime = 10 * time.Minute
)

// Flow is the server-side record of one OAuth authorization request, kept
// in the browser's session until its callback, so that the state parameter
// carries nothing but a random value.
type Flow struct {
	// StateHash identifies the flow: a hash of the state parameter (the
	// state itself never needs to be stored). Required.
	StateHash string
	// Purpose is what the flow is for: "login", "link", "consent". Required.
	Purpose string
	// ReturnTo is the validated destination after the callback.
	ReturnTo string
	// Verifier is the PKCE code verifier.
	Verifier string
	// Nonce is the OpenID Connect nonce.
	Nonce string
	// UserID binds a link or consent flow to the host user who started it,
	// so no one else's browser can finish it; "" for a plain login.
	UserID string
	// CreatedAt is when the flow started; zero means now.
	CreatedAt time.Time
}

// AddFlow stores f in the request's session (creating the session if
// needed) and saves it before returning, so a store failure is reported
// before the user is sent to Kakao. Expired flows and a flow
// with the same StateHash are dropped; beyond MaxFlows the oldest is
// evicted. Concurrent AddFlow calls on one session (parallel tabs) all
// keep their flow.
func (m *Manager) AddFlow(c *gin.Context, f Flow) error {
	st := m.state(c)
	if st == nil {
		return ErrNoMiddleware
	}
	if f.StateHash == "" || f.Purpose == "" {
		return fmt.Errorf("%w: a flow needs a state hash and a purpose", ErrInvalid)
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = m.now()
	}
	f.CreatedAt = f.CreatedAt.Truncate(time.Second).UTC()
	return st.commit(c.Request.Context(), func(d *draft, now time.Time) error {
		d.flows = slices.DeleteFunc(slices.Clone(d.flows), func(g Flow) bool {
			return g.StateHash == f.StateHash || flowExpired(&g, now)
		})
		d.flows = append(d.flows, f)
		for len(d.flows) > MaxFlows {
			oldest := 0
			for i := range d.flows {
				if d.flows[i].CreatedAt.Before(d.flows[oldest].CreatedAt) {
					oldest = i
				}
			}
			d.flows = slices.Delete(d.flows, oldest, oldest+1)
		}
		return nil
	})
}

// TakeFlow removes the flow with stateHash from the request's session and
// returns it. Removal is one compare-and-swap: of concurrent callbacks with
// the same state exactly one gets the flow, the others ErrFlowNotFound, so
// a code is never exchanged twice. An expired flow is removed and reported
// as ErrFlowExpired.
func (m *Manager) TakeFlow(c *gin.Context, stateHash string) (Flow, error) {
	st := m.state(c)
	if st == nil {
		return Flow{}, ErrNoMiddleware
	}
	if st.token == "" || stateHash == "" {
		return Flow{}, ErrFlowNotFound
	}
	var got Flow
	err := st.commit(c.Request.Context(), func(d *draft, now time.Time) error {
		i := slices.IndexFunc(d.flows, func(g Flow) bool {
			return subtle.ConstantTimeCompare([]byte(g.StateHash), []byte(stateHash)) == 1
		})
		if i < 0 {
			return ErrFlowNotFound
		}
		got = d.flows[i]
		d.flows = slices.Delete(slices.Clone(d.flows), i, i+1)
		return nil
	})
	if err != nil {
		return Flow{}, err
	}
	if flowExpired(&got, m.now()) {
		return Flow{}, ErrFlowExpired
	}
	return got, nil
}

func flowExpired(f *Flow, now time.Time) bool {
	return now.Sub(f.CreatedAt) >= FlowLifetime
}
