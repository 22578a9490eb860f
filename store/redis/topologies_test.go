package redis

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/storetest"
)

// The environment variables naming the distributed deployments the
// topology tests run against; .ci/redis-topologies starts both on loopback
// and prints them.
const (
	envClusterURL  = "KAKAOLOGIN_REDIS_CLUSTER_URL"
	envSentinelURL = "KAKAOLOGIN_REDIS_SENTINEL_URL"
)

// topologies are the deployments other than a single server, by the
// environment variable holding their URL.
var topologies = []struct{ name, env string }{
	{"Cluster", envClusterURL},
	{"Sentinel", envSentinelURL},
}

// topologyURL returns the URL in the environment variable env after
// checking that the deployment answers. When the variable is unset or the
// deployment does not answer, the test is skipped, or fails under CI=true.
func topologyURL(t testing.TB, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		skipOrFail(t, env+` is not set; from the repository root, eval "$(.ci/redis-topologies start)" starts the deployment and sets it`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, u)
	if errors.Is(err, store.ErrUnavailable) {
		skipOrFail(t, fmt.Sprintf("%s names a deployment that does not answer (.ci/redis-topologies start starts it): %v", env, err))
	}
	if err != nil {
		t.Fatalf("%s: %v", env, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return u
}

// openTopology opens a Store on rawURL under prefix, closed at cleanup.
func openTopology(t testing.TB, rawURL, prefix string) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := Open(ctx, rawURL, WithPrefix(prefix))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// topologyPrefix returns a key prefix no other test uses on the deployment
// at rawURL; every key under it is deleted, on every master, when the test
// ends.
func topologyPrefix(t testing.TB, rawURL string) string {
	t.Helper()
	prefix := "kltest:" + strings.ToLower(rand.Text()[:16]) + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := Open(ctx, rawURL)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			return
		}
		defer s.Close()
		if err := deleteUnder(ctx, s.client, prefix); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return prefix
}

// deleteUnder deletes every key starting with prefix: it scans each master
// (a Cluster's keys are spread over its masters) and deletes key by key,
// since keys in different hash slots cannot share one command.
func deleteUnder(ctx context.Context, c goredis.UniversalClient, prefix string) error {
	var mu sync.Mutex
	var keys []string
	scan := func(ctx context.Context, node *goredis.Client) error {
		iter := node.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	switch c := c.(type) {
	case *goredis.ClusterClient:
		err = c.ForEachMaster(ctx, scan)
	case *goredis.Client:
		err = scan(ctx, c)
	default:
		err = fmt.Errorf("unexpected client %T", c)
	}
	if err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	for chunk := range slices.Chunk(keys, 500) {
		pipe := c.Pipeline()
		for _, k := range chunk {
			pipe.Unlink(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("unlink: %w", err)
		}
	}
	return nil
}

// Issue 13: the whole conformance suite (every role, the outbox included,
// and the cross-instance cases on two Stores sharing one prefix) against a
// Redis Cluster of three masters with one replica each and against a
// Sentinel setup, as .ci/redis-topologies starts them. Every multi-key
// operation must stay within one hash slot, or the Cluster refuses it with
// CROSSSLOT.
func TestConformanceTopologies(t *testing.T) {
	for _, tp := range topologies {
		t.Run(tp.name, func(t *testing.T) {
			rawURL := topologyURL(t, tp.env)
			storetest.RunWith(t, func(t *testing.T) store.Store {
				return openTopology(t, rawURL, topologyPrefix(t, rawURL))
			}, storetest.Options{
				Twin: func(t *testing.T) (a, b store.Store) {
					prefix := topologyPrefix(t, rawURL)
					return openTopology(t, rawURL, prefix), openTopology(t, rawURL, prefix)
				},
			})
		})
	}
}

// Issue 13: names that could upset the hash tags (empty, braces, a brace
// pair that is empty or names the links' tag) work on a real Cluster: a
// session's data and tombstone, a topic's outbox keys and a link's two
// sides each stay in one hash slot, so no script meets CROSSSLOT, and the
// roles behave as with any other name.
func TestTopologiesOddNames(t *testing.T) {
	names := []string{"", "{", "}", "{}", "}{", "a{b}c", "{links}", "x}{y"}
	for _, tp := range topologies {
		t.Run(tp.name, func(t *testing.T) {
			rawURL := topologyURL(t, tp.env)
			for _, name := range names {
				t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
					s := openTopology(t, rawURL, topologyPrefix(t, rawURL))
					ctx := t.Context()
					checkOddSession(ctx, t, s, name)
					checkOddUser(ctx, t, s, name)
					checkOddLock(ctx, t, s, name)
					if name != "" { // an empty user ID or topic is refused
						checkOddLink(ctx, t, s, name)
						checkOddTopic(ctx, t, s, name)
					}
				})
			}
		})
	}
}

// checkOddSession: a session under token lives, swaps, ends and stays
// ended.
func checkOddSession(ctx context.Context, t *testing.T, s *Store, token string) {
	t.Helper()
	if err := s.Commit(ctx, token, []byte("a"), inHour()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if ok, err := s.CompareAndSwap(ctx, token, []byte("a"), []byte("b"), inHour()); err != nil || !ok {
		t.Fatalf("CompareAndSwap = %v, %v; want true", ok, err)
	}
	if b, found, err := s.Find(ctx, token); err != nil || !found || string(b) != "b" {
		t.Fatalf("Find = %q, %v, %v; want b", b, found, err)
	}
	if err := s.Delete(ctx, token); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, found, err := s.Find(ctx, token); err != nil || found {
		t.Fatalf("Find after Delete = %v, %v; want not found", found, err)
	}
	if err := s.Commit(ctx, token, []byte("c"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("Commit after Delete = %v; want ErrRevoked", err)
	}
	if _, err := s.CompareAndSwap(ctx, token, nil, []byte("c"), inHour()); !errors.Is(err, store.ErrRevoked) {
		t.Fatalf("CompareAndSwap after Delete = %v; want ErrRevoked", err)
	}
}

// checkOddUser: sessions of user with brace tokens (hashed to other slots
// than the index) are all ended by RevokeUser.
func checkOddUser(ctx context.Context, t *testing.T, s *Store, user string) {
	t.Helper()
	tokens := []string{"u" + user + "{", "}" + user + "u"}
	for _, tok := range tokens {
		if err := s.Commit(ctx, tok, []byte("x"), inHour()); err != nil {
			t.Fatalf("Commit %q: %v", tok, err)
		}
		if err := s.AddUserSession(ctx, user, tok, inHour()); err != nil {
			t.Fatalf("AddUserSession: %v", err)
		}
	}
	got, err := s.UserSessions(ctx, user)
	if err != nil {
		t.Fatalf("UserSessions: %v", err)
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(tokens)); !slices.Equal(got, want) {
		t.Fatalf("UserSessions = %q; want %q", got, want)
	}
	if n, err := s.RevokeUser(ctx, user); err != nil || n != len(tokens) {
		t.Fatalf("RevokeUser = %d, %v; want %d", n, err, len(tokens))
	}
	for _, tok := range tokens {
		if err := s.Commit(ctx, tok, []byte("y"), inHour()); !errors.Is(err, store.ErrRevoked) {
			t.Fatalf("Commit %q after RevokeUser = %v; want ErrRevoked", tok, err)
		}
	}
}

// checkOddLock: the lock named name is taken once and released by its
// fence.
func checkOddLock(ctx context.Context, t *testing.T, s *Store, name string) {
	t.Helper()
	fence, ok, err := s.TryLock(ctx, name, time.Minute)
	if err != nil || !ok {
		t.Fatalf("TryLock = %v, %v; want taken", ok, err)
	}
	if _, again, err := s.TryLock(ctx, name, time.Minute); err != nil || again {
		t.Fatalf("second TryLock = %v, %v; want refused", again, err)
	}
	if err := s.Unlock(ctx, name, fence); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if _, ok, err := s.TryLock(ctx, name, time.Minute); err != nil || !ok {
		t.Fatalf("TryLock after Unlock = %v, %v; want taken", ok, err)
	}
}

// checkOddLink: a host user named userID links, is found from both sides
// and unlinks.
func checkOddLink(ctx context.Context, t *testing.T, s *Store, userID string) {
	t.Helper()
	l := s.Links()
	const kakaoID = 4_000_000_001
	if _, err := l.Link(ctx, store.Link{KakaoID: kakaoID, UserID: userID}); err != nil {
		t.Fatalf("Link: %v", err)
	}
	if got, err := l.ByUserID(ctx, userID); err != nil || got.KakaoID != kakaoID {
		t.Fatalf("ByUserID = %+v, %v", got, err)
	}
	if got, err := l.ByKakaoID(ctx, kakaoID); err != nil || got.UserID != userID {
		t.Fatalf("ByKakaoID = %+v, %v", got, err)
	}
	if _, err := l.Unlink(ctx, kakaoID); err != nil {
		t.Fatalf("Unlink: %v", err)
	}
	if _, err := l.ByUserID(ctx, userID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ByUserID after Unlink = %v; want ErrNotFound", err)
	}
}

// checkOddTopic: a message of topic is enqueued, claimed and acknowledged.
func checkOddTopic(ctx context.Context, t *testing.T, s *Store, topic string) {
	t.Helper()
	id, err := s.Enqueue(ctx, topic, []byte("p"))
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	ms, err := s.Claim(ctx, topic, 5, time.Minute)
	if err != nil || len(ms) != 1 || ms[0].ID != id || string(ms[0].Payload) != "p" {
		t.Fatalf("Claim = %+v, %v; want the message %s", ms, err, id)
	}
	if err := s.Ack(ctx, ms[0]); err != nil {
		t.Fatalf("Ack: %v", err)
	}
	if ms, err := s.Claim(ctx, topic, 5, time.Minute); err != nil || len(ms) != 0 {
		t.Fatalf("Claim after Ack = %+v, %v; want nothing", ms, err)
	}
}
