package redis

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/store"
)

// R8 and the Faults item: an unreachable server fails Open within seconds
// with an error that names the backend and the address, matches
// ErrUnavailable and never shows the password.
func TestOpenUnreachableServerFailsClearly(t *testing.T) {
	t.Parallel()
	const rawURL = "redis://app:s3cr3t-pw@127.0.0.1:1/0"
	opens := map[string]func(ctx context.Context) error{
		"redis.Open": func(ctx context.Context) error {
			_, err := Open(ctx, rawURL)
			return err
		},
		"store.Open with Backend": func(ctx context.Context) error {
			st, err := store.Open(ctx, rawURL, Backend)
			if st != nil {
				t.Error("store.Open returned a non-nil Store with its error")
			}
			return err
		},
		"sentinel URL with the master password in the query": func(ctx context.Context) error {
			_, err := Open(ctx, "redis://127.0.0.1:1/0?master_name=mymaster&password=s3cr3t-pw")
			return err
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			start := time.Now()
			err := open(ctx)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("err = %v, want it to match store.ErrUnavailable", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("Open took %v to fail", d)
			}
			msg := err.Error()
			for _, want := range []string{"redis", "127.0.0.1:1"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %q", msg, want)
				}
			}
			if strings.Contains(msg, "s3cr3t-pw") {
				t.Errorf("error %q shows the password", msg)
			}
		})
	}
}

// Configuration mistakes are plain errors (not ErrUnavailable: retrying
// will not help) and never show the password either.
func TestOpenRejectsBadURLsWithoutShowingThePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		opts    []Option
		mention string
	}{
		{"unparsable URL", "redis://app:s3cr3t-pw@127.0.0.1:notaport/0", nil, "port"},
		{"other scheme", "postgres://app:s3cr3t-pw@127.0.0.1/0", nil, "postgres"},
		{"unix socket", "unix:///tmp/redis.sock", nil, "unix"},
		{"bad database", "redis://app:s3cr3t-pw@127.0.0.1/zero", nil, "database"},
		{"unknown parameter", "redis://app:s3cr3t-pw@127.0.0.1/0?colour=blue", nil, "colour"},
		{"bad go-redis value", "redis://app:s3cr3t-pw@127.0.0.1/0?dial_timeout=soon", nil, "dial_timeout"},
		{"bad cluster flag", "redis://app:s3cr3t-pw@127.0.0.1/0?cluster=maybe", nil, "cluster"},
		{"bad replica wait", "redis://app:s3cr3t-pw@127.0.0.1/0?replica_wait=soon", nil, "replica_wait"},
		{"zero WithReplicaWait", "redis://app:s3cr3t-pw@127.0.0.1/0", []Option{WithReplicaWait(0)}, "replica wait"},
		{"cluster and sentinel", "redis://127.0.0.1/0?cluster=true&master_name=m&password=s3cr3t-pw", nil, "master_name"},
		{"brace in URL prefix", "redis://app:s3cr3t-pw@127.0.0.1/0?prefix=%7Bapp%7D", nil, "prefix"},
		{"brace in WithPrefix", "redis://app:s3cr3t-pw@127.0.0.1/0", []Option{WithPrefix("a{b")}, "prefix"},
		{"bad sentinel address", "redis://127.0.0.1/0?master_name=m&addr=nohost&password=s3cr3t-pw", nil, "addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(t.Context(), tt.url, tt.opts...)
			if err == nil {
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "redis: ") || !strings.Contains(msg, tt.mention) {
				t.Errorf("error %q does not start with redis: and mention %q", msg, tt.mention)
			}
			if strings.Contains(msg, "s3cr3t-pw") {
				t.Errorf("error %q shows the password", msg)
			}
			if errors.Is(err, store.ErrUnavailable) {
				t.Errorf("error %q matches ErrUnavailable", msg)
			}
		})
	}
}

// The URL chooses the deployment, and Open fills in the timeouts the URL
// leaves unset so that a lost server never hangs a request.
func TestURLChoosesClientAndTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		url         string
		wantType    string
		wantDial    time.Duration
		wantRead    time.Duration
		wantRetries int
	}{
		{"standalone", "redis://127.0.0.1:6379/2", "*redis.Client", defaultDialTimeout, defaultReadTimeout, defaultMaxRetries},
		{"standalone with its own timeouts", "rediss://h:6380/0?dial_timeout=5s&read_timeout=1&max_retries=7", "*redis.Client", 5 * time.Second, time.Second, 7},
		{"cluster", "redis://h1:7000?cluster=true&addr=h2:7001&addr=h3:7002", "*redis.ClusterClient", defaultDialTimeout, defaultReadTimeout, defaultMaxRetries},
		{"sentinel", "redis://s1:26379/0?master_name=mymaster&addr=s2:26379", "failover", defaultDialTimeout, defaultReadTimeout, defaultMaxRetries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := clientOptionsOf(t, tt.url)
			var dial, read time.Duration
			var retries int
			var ctxTimeout bool
			var typ string
			switch {
			case o.simple != nil:
				typ = "*redis.Client"
				dial, read, retries, ctxTimeout = o.simple.DialTimeout, o.simple.ReadTimeout, o.simple.MaxRetries, o.simple.ContextTimeoutEnabled
			case o.failover != nil:
				typ = "failover"
				dial, read, retries, ctxTimeout = o.failover.DialTimeout, o.failover.ReadTimeout, o.failover.MaxRetries, o.failover.ContextTimeoutEnabled
				if len(o.failover.SentinelAddrs) != 2 || o.failover.MasterName != "mymaster" {
					t.Errorf("sentinels %q master %q; want 2 and mymaster", o.failover.SentinelAddrs, o.failover.MasterName)
				}
			case o.cluster != nil:
				typ = "*redis.ClusterClient"
				dial, read, retries, ctxTimeout = o.cluster.DialTimeout, o.cluster.ReadTimeout, o.cluster.MaxRetries, o.cluster.ContextTimeoutEnabled
				if len(o.cluster.Addrs) != 3 {
					t.Errorf("cluster seed addresses = %q, want 3", o.cluster.Addrs)
				}
			}
			if typ != tt.wantType || dial != tt.wantDial || read != tt.wantRead || retries != tt.wantRetries || !ctxTimeout {
				t.Errorf("client %s dial %v read %v retries %d context timeouts %v; want %s %v %v %d true",
					typ, dial, read, retries, ctxTimeout, tt.wantType, tt.wantDial, tt.wantRead, tt.wantRetries)
			}
		})
	}
}

// clientOptionsOf is what Open makes of rawURL's client part.
func clientOptionsOf(t *testing.T, rawURL string) clientOptions {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	p, err := takeURLParams(u, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseClientOptions(u, p)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// prefix= in the URL sets the key prefix; WithPrefix overrides it.
func TestPrefixFromURLAndOption(t *testing.T) {
	t.Parallel()
	base := serverURL(t)
	urlPrefix, optPrefix := freshPrefix(t), freshPrefix(t)
	r := rawClient(t, base)
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"URL parameter", nil, urlPrefix},
		{"option overrides the URL", []Option{WithPrefix(optPrefix)}, optPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := url.Parse(base)
			q := u.Query()
			q.Set("prefix", urlPrefix)
			u.RawQuery = q.Encode()
			s, err := Open(t.Context(), u.String(), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
				t.Fatal(err)
			}
			if n, err := r.Exists(t.Context(), tt.want+"s:{tok}").Result(); err != nil || n != 1 {
				t.Errorf("key %ss:{tok} exists = %d, %v; want 1", tt.want, n, err)
			}
		})
	}
}

func TestBackendOpensThroughStoreOpen(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse(serverURL(t))
	q := u.Query()
	q.Set("prefix", freshPrefix(t))
	u.RawQuery = q.Encode()
	st, err := store.Open(t.Context(), u.String(), Backend)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Ping(t.Context()); err != nil {
		t.Error(err)
	}
	if _, ok := st.(*Store); !ok {
		t.Errorf("store.Open returned %T, want *redis.Store", st)
	}
}

func TestNewLeavesTheAppsClientOpen(t *testing.T) {
	t.Parallel()
	client := rawClient(t, serverURL(t))
	s, err := New(client, WithPrefix(freshPrefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(t.Context(), "tok", []byte("x"), inHour()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Errorf("the app's client was closed: %v", err)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	t.Parallel()
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := New(c, WithPrefix("{x}")); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("New with a braced prefix: err = %v, want one naming the address", err)
	}
}

func TestCloseOwnClientTwice(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), serverURL(t), WithPrefix(freshPrefix(t)))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// R15: every call honours its context; an ended context gives an error
// with the context's cause in its chain, and matches ErrUnavailable.
func TestEndedContext(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.Find(ctx, "tok")
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Find: err = %v, want context.Canceled and ErrUnavailable", err)
	}
	_, err = Open(ctx, serverURL(t))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open: err = %v, want context.Canceled and ErrUnavailable", err)
	}
}

func TestUnavailableClassification(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want bool
	}{
		{context.DeadlineExceeded, true},
		{goredis.ErrClosed, true},
		{goredis.ErrPoolTimeout, true},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), true},
		{redisReply("LOADING Redis is loading the dataset in memory"), true},
		{redisReply("OOM command not allowed when used memory > 'maxmemory'."), true},
		{redisReply("READONLY You can't write against a read only replica."), true},
		{redisReply("CLUSTERDOWN The cluster is down"), true},
		{redisReply("ERR max number of clients reached"), true},
		{redisReply("MOVED 3999 127.0.0.1:7002"), true},
		{redisReply("ASK 3999 127.0.0.1:7002"), true},
		{ErrNotReplicated, true},
		{redisReply("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{redisReply("WRONGPASS invalid username-password pair or user is disabled."), false},
		{redisReply("NOPERM this user has no permissions to run the 'eval' command"), false},
		{redisReply("ERR Error running script"), false},
	}
	for _, tt := range tests {
		if got := unavailable(tt.err); got != tt.want {
			t.Errorf("unavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
		if got := errors.Is(wrapErr("op", tt.err), store.ErrUnavailable); got != tt.want {
			t.Errorf("wrapErr(%v) matches ErrUnavailable = %v, want %v", tt.err, got, tt.want)
		}
	}
	if wrapErr("op", nil) != nil {
		t.Error("wrapErr(nil) is not nil")
	}
}
