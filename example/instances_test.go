package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"

	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// Shared stores of the multi-instance test. Unreachable servers skip the
// test, except under CI=true where they fail it.
const (
	testRedisAddr = "127.0.0.1:6379"
	testPGAddr    = "127.0.0.1:5432"
	testPGURL     = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	testMySQLAddr = "127.0.0.1:3306"
	testMySQLURL  = "mysql://root@127.0.0.1:3306/test"
)

func requireServer(t testing.TB, addr string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s unreachable under CI: %v", addr, err)
		}
		t.Skipf("%s unreachable: %v", addr, err)
	}
	conn.Close()
}

// redisStoreURL is a Redis store URL with a prefix of its own; its keys
// are deleted when the test ends.
func redisStoreURL(t testing.TB) string {
	requireServer(t, testRedisAddr)
	prefix := "kltest-example-" + hex.EncodeToString(randomBytes(6)) + ":"
	t.Cleanup(func() {
		rc := goredis.NewClient(&goredis.Options{Addr: testRedisAddr})
		defer rc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := rc.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = rc.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Logf("cleaning Redis keys %s*: %v", prefix, err)
		}
	})
	return "redis://" + testRedisAddr + "/0?prefix=" + url.QueryEscape(prefix)
}

// postgresStoreURL is a PostgreSQL store URL with a schema of its own,
// dropped when the test ends.
func postgresStoreURL(t testing.TB) string {
	requireServer(t, testPGAddr)
	schema := "kltest_example_" + hex.EncodeToString(randomBytes(6))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, testPGURL)
		if err == nil {
			_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			conn.Close(ctx)
		}
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
	})
	return testPGURL + "&schema=" + schema
}

// mysqlStoreURL is a MySQL/MariaDB store URL with a table prefix of its
// own; its tables are dropped when the test ends.
func mysqlStoreURL(t testing.TB) string {
	requireServer(t, testMySQLAddr)
	prefix := "kltest_example_" + hex.EncodeToString(randomBytes(6)) + "_"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		db, err := sql.Open("mysql", "root@tcp("+testMySQLAddr+")/test")
		if err == nil {
			var tables []string
			for _, name := range []string{"sessions", "user_sessions", "locks", "links", "outbox"} {
				tables = append(tables, "`"+prefix+name+"`")
			}
			_, err = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(tables, ", "))
			db.Close()
		}
		if err != nil {
			t.Logf("dropping tables %s*: %v", prefix, err)
		}
	})
	return testMySQLURL + "?table_prefix=" + prefix
}

// TestInstancesShareStore (issue 7 item 4): two example instances on
// different ports share one store (Redis, PostgreSQL, MySQL), one data folder and
// one fake Kakao, like instances behind a load balancer whose public URL
// is instance 1's. A login started on one is finished and used on the
// other; Kakao's unlink callback fired at one ends the session on both
// (C61, C83) and deletes the Kakao-only site account.
func TestInstancesShareStore(t *testing.T) {
	for _, tc := range []struct {
		name     string
		storeURL func(testing.TB) string
	}{
		{"redis", redisStoreURL},
		{"postgres", postgresStoreURL},
		{"mysql", mysqlStoreURL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storeURL := tc.storeURL(t)
			fake := kakaotest.NewServer(kakaotest.WithUsers(demoKakaoUsers()...))
			t.Cleanup(fake.Close)
			if err := fake.SetLoginUser(kakaotest.UserSeoyeon); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			a1, base1 := startTestSite(t, appConfig{DataDir: dir, StoreURL: storeURL, Fake: fake})
			fake.AddRedirectURI(base1 + "/auth/kakao/callback")
			_, base2 := startTestSite(t, appConfig{DataDir: dir, StoreURL: storeURL, Fake: fake, PublicURL: base1})

			// Log in through instance 2; the callback lands on instance 1
			// (the public URL), the signup form is posted to instance 2.
			c := newClient(t, "en")
			status, body, at := c.get(base2 + "/auth/kakao/login?next=/profile")
			if status != http.StatusOK || at.Path != "/signup" {
				t.Fatalf("login: %d %s\n%.2000s", status, at, body)
			}
			status, body, at = c.post(base2+"/signup", url.Values{"name": {"서연"}}, true)
			if status != http.StatusOK || at.Host != strings.TrimPrefix(base2, "http://") || at.Path != "/profile" {
				t.Fatalf("signup on instance 2: %d %s\n%.2000s", status, at, body)
			}
			wantContains(t, "profile on instance 2", body, `id="nickname">서연`)
			for i, base := range []string{base1, base2} {
				if status, body, _ := c.get(base + "/profile"); status != http.StatusOK || !strings.Contains(body, `id="whoami">서연`) {
					t.Fatalf("instance %d does not see the login: %d", i+1, status)
				}
				if status := meStatus(t, c, base); status != http.StatusOK {
					t.Fatalf("instance %d: /auth/kakao/me %d", i+1, status)
				}
			}
			link, err := a1.st.Links().ByKakaoID(context.Background(), kakaotest.UserSeoyeon)
			if err != nil {
				t.Fatalf("link: %v", err)
			}

			// The user disconnects the app at Kakao; Kakao calls instance 2.
			if err := fake.UnlinkUser(kakaotest.UserSeoyeon); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if status, err := fake.FireUnlinkCallback(ctx, base2+"/auth/kakao/unlink/callback",
				kakaotest.UserSeoyeon, kakaotest.ReferrerUnlinkFromApps); err != nil || status != http.StatusOK {
				t.Fatalf("unlink callback: %d %v", status, err)
			}
			for i, base := range []string{base1, base2} {
				if status := meStatus(t, c, base); status != http.StatusUnauthorized {
					t.Errorf("instance %d: session alive after the unlink callback (/auth/kakao/me %d)", i+1, status)
				}
			}
			if _, err := a1.users.byID(context.Background(), link.UserID); err == nil {
				t.Error("the Kakao-only site account survived the unlink")
			}
		})
	}
}

// meStatus is the status of the library's JSON identity route.
func meStatus(t *testing.T, c *client, base string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/auth/kakao/me", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	status, _, _ := c.do(req)
	return status
}
