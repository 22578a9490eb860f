package kakaogin

import (
	"sync"
	"time"
)

// failLimiter counts failed callbacks per client and refuses a client that
// failed too often within a window, so that spraying made-up codes
// or states cannot be used to burn the app's Kakao quota. It is per app
// instance and bounded in memory.
type failLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	counts map[string]*failWindow
}

type failWindow struct {
	start time.Time
	n     int
}

// Callback failure limits: 20 failures per client per minute.
const (
	maxCallbackFailures = 20
	callbackFailWindow  = time.Minute
	maxLimiterClients   = 10000
)

func newFailLimiter(max int, window time.Duration, now func() time.Time) *failLimiter {
	return &failLimiter{max: max, window: window, now: now, counts: map[string]*failWindow{}}
}

// blocked reports whether client has used up its failures.
func (l *failLimiter) blocked(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.counts[client]
	return w != nil && l.now().Sub(w.start) < l.window && w.n >= l.max
}

// fail records one failure of client.
func (l *failLimiter) fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.counts[client]
	if w == nil || now.Sub(w.start) >= l.window {
		if len(l.counts) >= maxLimiterClients {
			l.prune(now)
		}
		w = &failWindow{start: now}
		l.counts[client] = w
	}
	w.n++
}

// prune drops ended windows, or everything when none has ended (a flood of
// distinct clients must not grow the map without bound).
func (l *failLimiter) prune(now time.Time) {
	for k, w := range l.counts {
		if now.Sub(w.start) >= l.window {
			delete(l.counts, k)
		}
	}
	if len(l.counts) >= maxLimiterClients {
		clear(l.counts)
	}
}
