package session

import (
	"context"
	"crypto/subtle"
	"errors"
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
	st := m.req(c)
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
	ctx := c.Request.Context()
	fresh := st.token == ""
	if fresh {
		// A new session: saved first, so that the flows are never
		// reachable from a session ID no stored session has.
		if rec, d := st.state(); rec == nil && d == nil {
			st.change(m.newDraft(m.now()))
		}
		if err := st.commitNow(); err != nil {
			return err
		}
	}
	if err := st.addFlow(ctx, f); err != nil {
		if fresh { // no cookie for a session that holds nothing
			if derr := m.st.Delete(ctx, hashToken(st.token)); derr != nil {
				m.log.Warn("session: could not delete a new session after a failed flow", "err", derr)
			}
			st.ended()
		}
		return err
	}
	return nil
}

func (st *reqState) addFlow(ctx context.Context, f Flow) error {
	m := st.m
	key := sideKey("flows", st.sid(), 0)
	if id, _ := st.identity(); id != nil {
		if err := m.index(ctx, id, key, true, st.deadline()); err != nil {
			return err
		}
	}
	_, err := m.updateSide(ctx, key, nil, true, m.now().Add(FlowLifetime), func(cur []byte) ([]byte, error) {
		now := m.now()
		flows := slices.DeleteFunc(decodeFlows(cur), func(g Flow) bool {
			return g.StateHash == f.StateHash || flowExpired(&g, now)
		})
		flows = append(flows, f)
		for len(flows) > MaxFlows {
			oldest := 0
			for i := range flows {
				if flows[i].CreatedAt.Before(flows[oldest].CreatedAt) {
					oldest = i
				}
			}
			flows = slices.Delete(flows, oldest, oldest+1)
		}
		return encodeFlows(flows)
	})
	if err != nil {
		return fmt.Errorf("session: save flow: %w", err)
	}
	return nil
}

// TakeFlow removes the flow with stateHash from the request's session and
// returns it. Removal is one compare-and-swap: of concurrent callbacks with
// the same state exactly one gets the flow, the others ErrFlowNotFound, so
// a code is never exchanged twice. An expired flow is removed and reported
// as ErrFlowExpired.
func (m *Manager) TakeFlow(c *gin.Context, stateHash string) (Flow, error) {
	st := m.req(c)
	if st == nil {
		return Flow{}, ErrNoMiddleware
	}
	if st.token == "" || stateHash == "" {
		return Flow{}, ErrFlowNotFound
	}
	var got Flow
	key := sideKey("flows", st.sid(), 0)
	_, err := m.updateSide(c.Request.Context(), key, nil, true, m.now().Add(FlowLifetime), func(cur []byte) ([]byte, error) {
		flows := decodeFlows(cur)
		i := slices.IndexFunc(flows, func(g Flow) bool {
			return subtle.ConstantTimeCompare([]byte(g.StateHash), []byte(stateHash)) == 1
		})
		if i < 0 {
			return nil, ErrFlowNotFound
		}
		got = flows[i]
		return encodeFlows(slices.Delete(flows, i, i+1))
	})
	switch {
	case errors.Is(err, ErrFlowNotFound):
		return Flow{}, err
	case err != nil:
		return Flow{}, fmt.Errorf("session: take flow: %w", err)
	}
	if flowExpired(&got, m.now()) {
		return Flow{}, ErrFlowExpired
	}
	return got, nil
}

func flowExpired(f *Flow, now time.Time) bool {
	return now.Sub(f.CreatedAt) >= FlowLifetime
}

// decodeFlows decodes a flows side record; nil or malformed input gives no
// flows.
func decodeFlows(b []byte) []Flow {
	if len(b) == 0 {
		return nil
	}
	r := reader[string]{b: string(b)}
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
	if r.err != nil || !r.done() {
		return nil
	}
	return flows
}

// encodeFlows writes a flows side record.
func encodeFlows(flows []Flow) ([]byte, error) {
	if len(flows) > MaxFlows {
		return nil, fmt.Errorf("session: %d flows, more than %d", len(flows), MaxFlows)
	}
	b := appendUvarint(make([]byte, 0, 128*len(flows)+1), uint64(len(flows)))
	var err error
	for i := range flows {
		f := &flows[i]
		for _, s := range [...]string{f.StateHash, f.Purpose, f.ReturnTo, f.Verifier, f.Nonce, f.UserID} {
			if b, err = appendStr(b, s, maxString, "flow field"); err != nil {
				return nil, err
			}
		}
		b = appendTime(b, f.CreatedAt)
	}
	return b, nil
}
