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
	// MaxUsedFlows is how many flows TakeFlow handed out a session
	// remembers, so that the same callback coming again (the browser's Back
	// button, a reload, a second tab) can be told from a forged or foreign
	// one; the oldest is forgotten first.
	MaxUsedFlows = 5
	// UsedFlowMemory is how long a session remembers a flow TakeFlow handed
	// out: long enough for a reload or the Back button after a login,
	// short enough that the side record does not outlive its use. A
	// session that is not logged in, for which they serve nothing, forgets
	// them sooner when it starts another flow (its flows are kept for
	// FlowLifetime only).
	UsedFlowMemory = time.Hour
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
	// UsedAt is when TakeFlow handed the flow out. It is set only on the
	// Flow TakeFlow returns with ErrFlowUsed; AddFlow ignores it.
	UsedAt time.Time
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
	_, err := m.updateSide(ctx, key, nil, true, m.now().Add(flowRecordLifetime(st)), func(cur []byte) ([]byte, error) {
		now := m.now()
		flows, used := decodeFlowRecord(cur)
		flows = slices.DeleteFunc(flows, func(g Flow) bool {
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
		return encodeFlowRecord(flows, forgetUsed(used, now))
	})
	if err != nil {
		return fmt.Errorf("session: save flow: %w", err)
	}
	return nil
}

// TakeFlow removes the flow with stateHash from the request's session and
// returns it. Removal is one compare-and-swap: of concurrent callbacks with
// the same state exactly one gets the flow, the others ErrFlowUsed, so
// a code is never exchanged twice. An expired flow is removed and reported
// as ErrFlowExpired.
//
// The session remembers a flow it handed out (at most MaxUsedFlows, for
// UsedFlowMemory): taking it again returns ErrFlowUsed with what is left
// of the flow (no Verifier or Nonce, UsedAt set), so that the caller can
// tell the same browser coming back to a finished callback from a state
// it never had (ErrFlowNotFound). ErrFlowUsed matches ErrFlowNotFound.
// Looking a state up writes nothing unless it names a live flow.
func (m *Manager) TakeFlow(c *gin.Context, stateHash string) (Flow, error) {
	st := m.req(c)
	if st == nil {
		return Flow{}, ErrNoMiddleware
	}
	if st.token == "" || stateHash == "" {
		return Flow{}, ErrFlowNotFound
	}
	var got Flow
	var expired bool
	key := sideKey("flows", st.sid(), 0)
	_, err := m.updateSide(c.Request.Context(), key, nil, true, m.now().Add(UsedFlowMemory), func(cur []byte) ([]byte, error) {
		now := m.now()
		flows, used := decodeFlowRecord(cur)
		if i := indexFlow(flows, stateHash); i >= 0 {
			got = flows[i]
			flows = slices.Delete(flows, i, i+1)
			if expired = flowExpired(&got, now); !expired {
				u := got
				u.Verifier, u.Nonce, u.UsedAt = "", "", now.Truncate(time.Second).UTC()
				used = append(used, u)
			}
			return encodeFlowRecord(flows, forgetUsed(used, now))
		}
		if i := indexFlow(used, stateHash); i >= 0 && !usedForgotten(&used[i], now) {
			got = used[i]
			return nil, ErrFlowUsed
		}
		return nil, ErrFlowNotFound
	})
	switch {
	case errors.Is(err, ErrFlowUsed):
		return got, ErrFlowUsed
	case errors.Is(err, ErrFlowNotFound):
		return Flow{}, err
	case err != nil:
		return Flow{}, fmt.Errorf("session: take flow: %w", err)
	}
	if expired {
		return Flow{}, ErrFlowExpired
	}
	return got, nil
}

// indexFlow returns the index of the flow with stateHash in flows, or -1.
// The hashes are compared in constant time.
func indexFlow(flows []Flow, stateHash string) int {
	return slices.IndexFunc(flows, func(g Flow) bool {
		return subtle.ConstantTimeCompare([]byte(g.StateHash), []byte(stateHash)) == 1
	})
}

// flowRecordLifetime is how long the flows side record is kept: a logged-in
// session keeps it for UsedFlowMemory, as it may remember flows handed
// out; an anonymous one only for FlowLifetime.
func flowRecordLifetime(st *reqState) time.Duration {
	if id, _ := st.identity(); id != nil {
		return UsedFlowMemory
	}
	return FlowLifetime
}

// forgetUsed drops the used flows older than UsedFlowMemory and all but
// the newest MaxUsedFlows.
func forgetUsed(used []Flow, now time.Time) []Flow {
	used = slices.DeleteFunc(used, func(u Flow) bool { return usedForgotten(&u, now) })
	if n := len(used) - MaxUsedFlows; n > 0 {
		slices.SortStableFunc(used, func(a, b Flow) int { return a.UsedAt.Compare(b.UsedAt) })
		used = slices.Delete(used, 0, n)
	}
	return used
}

func usedForgotten(u *Flow, now time.Time) bool {
	return now.Sub(u.UsedAt) >= UsedFlowMemory
}

func flowExpired(f *Flow, now time.Time) bool {
	return now.Sub(f.CreatedAt) >= FlowLifetime
}

// decodeFlowRecord decodes a flows side record: the live flows, then
// the used ones (absent in records written before they were kept). nil or
// malformed input gives neither.
func decodeFlowRecord(b []byte) (flows, used []Flow) {
	if len(b) == 0 {
		return nil, nil
	}
	r := reader[string]{b: string(b)}
	flows = r.flows(MaxFlows, false)
	if !r.done() {
		used = r.flows(MaxUsedFlows, true)
	}
	if r.err != nil || !r.done() {
		return nil, nil
	}
	return flows, used
}

// flows reads a count (at most limit) and that many flows; withUsed reads
// each one's UsedAt too.
func (r *reader[T]) flows(limit int, withUsed bool) []Flow {
	n := r.count(limit)
	flows := make([]Flow, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		f := Flow{
			StateHash: string(r.str(maxString)),
			Purpose:   string(r.str(maxString)),
			ReturnTo:  string(r.str(maxString)),
			Verifier:  string(r.str(maxString)),
			Nonce:     string(r.str(maxString)),
			UserID:    string(r.str(maxString)),
			CreatedAt: r.time(),
		}
		if withUsed {
			f.UsedAt = r.time()
		}
		flows = append(flows, f)
	}
	return flows
}

// encodeFlowRecord writes a flows side record: the live flows, then, when
// there are any, the used ones.
func encodeFlowRecord(flows, used []Flow) ([]byte, error) {
	if len(flows) > MaxFlows || len(used) > MaxUsedFlows {
		return nil, fmt.Errorf("session: %d flows and %d used ones, more than %d and %d", len(flows), len(used), MaxFlows, MaxUsedFlows)
	}
	b := make([]byte, 0, 128*(len(flows)+len(used))+2)
	b, err := appendFlows(b, flows, false)
	if err != nil || len(used) == 0 {
		return b, err
	}
	return appendFlows(b, used, true)
}

func appendFlows(b []byte, flows []Flow, withUsed bool) ([]byte, error) {
	b = appendUvarint(b, uint64(len(flows)))
	var err error
	for i := range flows {
		f := &flows[i]
		for _, s := range [...]string{f.StateHash, f.Purpose, f.ReturnTo, f.Verifier, f.Nonce, f.UserID} {
			if b, err = appendStr(b, s, maxString, "flow field"); err != nil {
				return nil, err
			}
		}
		b = appendTime(b, f.CreatedAt)
		if withUsed {
			b = appendTime(b, f.UsedAt)
		}
	}
	return b, nil
}
