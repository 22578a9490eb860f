package storetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// Method names one method of store.Store or store.Links, for Faulty.
type Method string

// The methods that Faulty can fail and counts.
const (
	Find              Method = "Find"
	Commit            Method = "Commit"
	CompareAndSwap    Method = "CompareAndSwap"
	Delete            Method = "Delete"
	AddUserSession    Method = "AddUserSession"
	RemoveUserSession Method = "RemoveUserSession"
	UserSessions      Method = "UserSessions"
	RevokeUser        Method = "RevokeUser"
	TryLock           Method = "TryLock"
	Unlock            Method = "Unlock"
	Ping              Method = "Ping"
	Close             Method = "Close"
	Link              Method = "Link"
	ByKakaoID         Method = "ByKakaoID"
	ByUserID          Method = "ByUserID"
	Unlink            Method = "Unlink"
	Enqueue           Method = "Enqueue"
	Claim             Method = "Claim"
	Ack               Method = "Ack"
)

// Fault is what Faulty does to the calls of one method. Its parts apply in
// order: Wait, Delay, Hang, then Err; a call that passes them all reaches
// the wrapped store.
type Fault struct {
	// Err, when not nil, is returned instead of calling the wrapped store.
	// Wrap store.ErrUnavailable to act as a backend that is down:
	// fmt.Errorf("%w: connection refused", store.ErrUnavailable).
	Err error
	// Delay holds each call this long before going on, or until the
	// call's context ends, which then fails the call.
	Delay time.Duration
	// Hang holds each call until its context ends, like a server that
	// never answers, then fails it with an error
	// matching both store.ErrUnavailable and the context's error.
	Hang bool
	// Wait, when not nil, holds each call until Wait is closed or the
	// call's context ends; tests use it to stop a call at a chosen moment
	// (a slow request racing a logout).
	Wait <-chan struct{}
	// Times limits the fault to the next Times calls; zero means every
	// call until Clear.
	Times int
}

// Faulty wraps a store.Store and applies the Fault set for each method,
// counting every call. The session and login layers use it for the store
// fault cases: store down at read, flow write, flow consume or session
// commit, full or busy, slow or hung, a slow request racing a logout
// (with Fault.Wait), and an unlink retry that cannot be queued. It is safe for concurrent use. Close's fault uses only
// Err and Delay, as Close has no context.
type Faulty struct {
	inner store.Store

	mu     sync.Mutex
	faults map[Method]Fault
	calls  map[Method]int
}

// NewFaulty returns a Faulty over inner with no faults set.
func NewFaulty(inner store.Store) *Faulty {
	return &Faulty{inner: inner, faults: map[Method]Fault{}, calls: map[Method]int{}}
}

// Set makes the calls of m fail as f says, replacing m's earlier fault.
func (f *Faulty) Set(m Method, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[m] = fault
}

// Fail makes every call of the methods ms return err.
func (f *Faulty) Fail(err error, ms ...Method) {
	for _, m := range ms {
		f.Set(m, Fault{Err: err})
	}
}

// Clear removes the faults of the methods ms, or of every method when ms
// is empty. Call counts are kept.
func (f *Faulty) Clear(ms ...Method) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(ms) == 0 {
		clear(f.faults)
		return
	}
	for _, m := range ms {
		delete(f.faults, m)
	}
}

// Calls returns how many times m has been called, faulted or not.
func (f *Faulty) Calls(m Method) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[m]
}

// ResetCalls sets every call count back to zero.
func (f *Faulty) ResetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.calls)
}

// Unwrap returns the wrapped store.
func (f *Faulty) Unwrap() store.Store { return f.inner }

// enter counts a call of m and returns the fault that applies to it,
// using up one of a limited fault's Times.
func (f *Faulty) enter(m Method) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[m]++
	fault, ok := f.faults[m]
	if !ok {
		return Fault{}, false
	}
	if fault.Times > 0 {
		fault.Times--
		if fault.Times == 0 {
			delete(f.faults, m)
		} else {
			f.faults[m] = fault
		}
	}
	return fault, true
}

// before counts a call of m, applies its fault and returns the error the
// call must return, or nil to go on to the wrapped store.
func (f *Faulty) before(ctx context.Context, m Method) error {
	fault, ok := f.enter(m)
	if !ok {
		return nil
	}
	if fault.Wait != nil {
		select {
		case <-fault.Wait:
		case <-ctx.Done():
			return fmt.Errorf("storetest: %s held: %w: %w", m, store.ErrUnavailable, ctx.Err())
		}
	}
	if fault.Delay > 0 {
		timer := time.NewTimer(fault.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return fmt.Errorf("storetest: %s delayed: %w: %w", m, store.ErrUnavailable, ctx.Err())
		}
	}
	if fault.Hang {
		<-ctx.Done()
		return fmt.Errorf("storetest: %s hung: %w: %w", m, store.ErrUnavailable, ctx.Err())
	}
	if fault.Err != nil {
		return fault.Err
	}
	return nil
}

// Find calls the wrapped store's Find unless a fault applies.
func (f *Faulty) Find(ctx context.Context, token string) ([]byte, bool, error) {
	if err := f.before(ctx, Find); err != nil {
		return nil, false, err
	}
	return f.inner.Find(ctx, token)
}

// Commit calls the wrapped store's Commit unless a fault applies.
func (f *Faulty) Commit(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if err := f.before(ctx, Commit); err != nil {
		return err
	}
	return f.inner.Commit(ctx, token, b, expiry)
}

// CompareAndSwap calls the wrapped store's CompareAndSwap unless a fault
// applies.
func (f *Faulty) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	if err := f.before(ctx, CompareAndSwap); err != nil {
		return false, err
	}
	return f.inner.CompareAndSwap(ctx, token, old, b, expiry)
}

// Delete calls the wrapped store's Delete unless a fault applies.
func (f *Faulty) Delete(ctx context.Context, token string) error {
	if err := f.before(ctx, Delete); err != nil {
		return err
	}
	return f.inner.Delete(ctx, token)
}

// AddUserSession calls the wrapped store's AddUserSession unless a fault
// applies.
func (f *Faulty) AddUserSession(ctx context.Context, user, token string, expiry time.Time) error {
	if err := f.before(ctx, AddUserSession); err != nil {
		return err
	}
	return f.inner.AddUserSession(ctx, user, token, expiry)
}

// RemoveUserSession calls the wrapped store's RemoveUserSession unless a
// fault applies.
func (f *Faulty) RemoveUserSession(ctx context.Context, user, token string) error {
	if err := f.before(ctx, RemoveUserSession); err != nil {
		return err
	}
	return f.inner.RemoveUserSession(ctx, user, token)
}

// UserSessions calls the wrapped store's UserSessions unless a fault
// applies.
func (f *Faulty) UserSessions(ctx context.Context, user string) ([]string, error) {
	if err := f.before(ctx, UserSessions); err != nil {
		return nil, err
	}
	return f.inner.UserSessions(ctx, user)
}

// RevokeUser calls the wrapped store's RevokeUser unless a fault applies.
func (f *Faulty) RevokeUser(ctx context.Context, user string) (int, error) {
	if err := f.before(ctx, RevokeUser); err != nil {
		return 0, err
	}
	return f.inner.RevokeUser(ctx, user)
}

// TryLock calls the wrapped store's TryLock unless a fault applies.
func (f *Faulty) TryLock(ctx context.Context, name string, ttl time.Duration) (string, bool, error) {
	if err := f.before(ctx, TryLock); err != nil {
		return "", false, err
	}
	return f.inner.TryLock(ctx, name, ttl)
}

// Unlock calls the wrapped store's Unlock unless a fault applies.
func (f *Faulty) Unlock(ctx context.Context, name, fence string) error {
	if err := f.before(ctx, Unlock); err != nil {
		return err
	}
	return f.inner.Unlock(ctx, name, fence)
}

// Ping calls the wrapped store's Ping unless a fault applies.
func (f *Faulty) Ping(ctx context.Context) error {
	if err := f.before(ctx, Ping); err != nil {
		return err
	}
	return f.inner.Ping(ctx)
}

// Enqueue calls the wrapped store's Enqueue unless a fault applies.
func (f *Faulty) Enqueue(ctx context.Context, topic string, payload []byte) (string, error) {
	if err := f.before(ctx, Enqueue); err != nil {
		return "", err
	}
	return f.inner.Enqueue(ctx, topic, payload)
}

// Claim calls the wrapped store's Claim unless a fault applies.
func (f *Faulty) Claim(ctx context.Context, topic string, max int, lease time.Duration) ([]store.Message, error) {
	if err := f.before(ctx, Claim); err != nil {
		return nil, err
	}
	return f.inner.Claim(ctx, topic, max, lease)
}

// Ack calls the wrapped store's Ack unless a fault applies.
func (f *Faulty) Ack(ctx context.Context, m store.Message) error {
	if err := f.before(ctx, Ack); err != nil {
		return err
	}
	return f.inner.Ack(ctx, m)
}

// Close closes the wrapped store unless a fault applies. Of Close's fault
// only Err and Delay count.
func (f *Faulty) Close() error {
	fault, ok := f.enter(Close)
	if ok {
		time.Sleep(fault.Delay)
		if fault.Err != nil {
			return fault.Err
		}
	}
	return f.inner.Close()
}

// Links returns the wrapped store's Links, with the faults set for Link,
// ByKakaoID, ByUserID and Unlink applied to it.
func (f *Faulty) Links() store.Links { return faultyLinks{f} }

// faultyLinks is the Links of a Faulty.
type faultyLinks struct{ f *Faulty }

// ByKakaoID calls the wrapped Links unless a fault applies.
func (l faultyLinks) ByKakaoID(ctx context.Context, kakaoID int64) (store.Link, error) {
	if err := l.f.before(ctx, ByKakaoID); err != nil {
		return store.Link{}, err
	}
	return l.f.inner.Links().ByKakaoID(ctx, kakaoID)
}

// ByUserID calls the wrapped Links unless a fault applies.
func (l faultyLinks) ByUserID(ctx context.Context, userID string) (store.Link, error) {
	if err := l.f.before(ctx, ByUserID); err != nil {
		return store.Link{}, err
	}
	return l.f.inner.Links().ByUserID(ctx, userID)
}

// Link calls the wrapped Links unless a fault applies.
func (l faultyLinks) Link(ctx context.Context, link store.Link) (store.Link, error) {
	if err := l.f.before(ctx, Link); err != nil {
		return store.Link{}, err
	}
	return l.f.inner.Links().Link(ctx, link)
}

// Unlink calls the wrapped Links unless a fault applies.
func (l faultyLinks) Unlink(ctx context.Context, kakaoID int64) (store.Link, error) {
	if err := l.f.before(ctx, Unlink); err != nil {
		return store.Link{}, err
	}
	return l.f.inner.Links().Unlink(ctx, kakaoID)
}

var _ store.Store = (*Faulty)(nil)
