package mysql

import (
	"errors"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

// R26: the store decides expiry on the database clock. A skew between app
// and database (simulated by an app clock off by ±5 minutes, which is the
// same as the database being off by ∓5 minutes) only moves the end of a
// session; it never lets a revoked session be saved again.
func TestClockSkewNeverResurrects(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	for _, tt := range []struct {
		name string
		skew time.Duration
	}{
		{"app clock 5 minutes behind the database", -5 * time.Minute},
		{"app clock 5 minutes ahead of the database", 5 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			appNow := func() time.Time { return time.Now().Add(tt.skew) }
			token := "skew" + tt.skew.String()

			// A 30-minute session lives 30 minutes minus the skew.
			if err := s.Commit(ctx, token, []byte("x"), appNow().Add(30*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, found, err := s.Find(ctx, token); err != nil || !found {
				t.Fatalf("Find = %v, %v; want found", found, err)
			}
			wantLeft := int64((30*time.Minute + tt.skew) / time.Second)
			if !s.queryBool(t, `SELECT TIMESTAMPDIFF(SECOND, {now}, expiry) BETWEEN ? - 60 AND ?
				FROM {sessions} WHERE token = ?`, wantLeft, wantLeft, []byte(token)) {
				t.Errorf("session does not end %ds from now on the database clock", wantLeft)
			}

			// Revoked: no write of the skewed app gets through, whatever
			// expiry it computes.
			if err := s.Delete(ctx, token); err != nil {
				t.Fatal(err)
			}
			for _, exp := range []time.Time{appNow(), appNow().Add(time.Minute), appNow().Add(store.RevocationTTL * 2)} {
				if err := s.Commit(ctx, token, []byte("back"), exp); !errors.Is(err, store.ErrRevoked) {
					t.Errorf("Commit(expiry %v) after delete: err = %v, want ErrRevoked", exp, err)
				}
				if _, err := s.CompareAndSwap(ctx, token, nil, []byte("back"), exp); !errors.Is(err, store.ErrRevoked) {
					t.Errorf("CompareAndSwap(expiry %v) after delete: err = %v, want ErrRevoked", exp, err)
				}
			}
			// The revocation itself lasts RevocationTTL on the database clock.
			ttl := int64(store.RevocationTTL / time.Second)
			if !s.queryBool(t, `SELECT TIMESTAMPDIFF(SECOND, {now}, expiry) >= ? - 60 FROM {sessions} WHERE token = ?`,
				ttl, []byte(token)) {
				t.Error("the revocation ends sooner than RevocationTTL on the database clock")
			}
		})
	}
}

// A session the app believes live but whose expiry is already past on the
// database clock is simply not found: skew shortens it, nothing worse.
func TestExpiryPastOnDatabaseClockIsNotFound(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	appNow := time.Now().Add(-5 * time.Minute)
	if err := s.Commit(ctx, "tok", []byte("x"), appNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(ctx, "tok"); err != nil || found {
		t.Errorf("Find = %v, %v; want not found", found, err)
	}
}

// DATETIME has no time zone, and NOW() follows the connection's
// time_zone: a store whose connections run in Seoul time (the URL sets the
// server variable) must still store, compare and return the same instants.
func TestConnectionTimeZoneDoesNotMoveTimes(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	s, err := Open(t.Context(), urlWith(t, "time_zone", "'+09:00'", "table_prefix", prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	if tz := s.queryString(t, `SELECT @@session.time_zone`); tz != "+09:00" {
		t.Fatalf("session time_zone = %q; the test needs +09:00", tz)
	}
	// Ends in 30 minutes: live, though 30 minutes from now in UTC is
	// before NOW() in Seoul.
	if err := s.Commit(ctx, "live", []byte("x"), time.Now().Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(ctx, "live"); err != nil || !found {
		t.Errorf("Find of a session ending in 30 minutes = %v, %v; want found", found, err)
	}
	// Ended an hour ago: gone, though an hour ago in Seoul is after
	// UTC_TIMESTAMP().
	seoul := time.FixedZone("KST", 9*3600)
	if err := s.Commit(ctx, "old", []byte("x"), time.Now().Add(-time.Hour).In(seoul)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(ctx, "old"); err != nil || found {
		t.Errorf("Find of a session that ended an hour ago = %v, %v; want not found", found, err)
	}
	// A lock of a minute is held now, whatever the zone.
	if _, ok, err := s.TryLock(ctx, "job", time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if _, ok, err := s.TryLock(ctx, "job", time.Minute); err != nil || ok {
		t.Errorf("second TryLock = %v, %v; want false, nil", ok, err)
	}
	// A zero LinkedAt is the database's UTC time, not Seoul's wall clock
	// read as UTC.
	before := time.Now()
	l, err := s.Links().Link(ctx, store.Link{KakaoID: 9, UserID: "u"})
	if err != nil {
		t.Fatal(err)
	}
	if d := l.LinkedAt.Sub(before); d < -time.Minute || d > time.Minute {
		t.Errorf("LinkedAt = %v, want about %v", l.LinkedAt, before)
	}
	// And the same instant read back through another instance in UTC.
	other := openIn(t, prefix)
	if got, err := other.Links().ByKakaoID(ctx, 9); err != nil || !got.LinkedAt.Equal(l.LinkedAt) {
		t.Errorf("ByKakaoID through a UTC instance = %v, %v; want LinkedAt %v", got, err, l.LinkedAt)
	}
}

// Times beyond what DATETIME holds, and finer than it keeps, are stored
// at their nearest bound and truncated to the microsecond, never refused
// nor rounded up.
func TestTimesOutsideDatetimeAreHeldInRange(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		expiry time.Time
		found  bool
	}{
		{"zero time", time.Time{}, false},
		{"year 999", time.Date(999, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"far future", time.Unix(1<<62, 0), true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := "tok-" + tt.name
			if err := s.Commit(ctx, tok, []byte("x"), tt.expiry); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if _, found, err := s.Find(ctx, tok); err != nil || found != tt.found {
				t.Errorf("Find = %v, %v; want %v", found, err, tt.found)
			}
			if err := s.AddUserSession(ctx, "u-"+tt.name, tok, tt.expiry); err != nil {
				t.Errorf("AddUserSession: %v", err)
			}
			if _, err := s.Links().Link(ctx, store.Link{KakaoID: int64(i) + 100, UserID: tok, LinkedAt: tt.expiry}); err != nil {
				t.Errorf("Link: %v", err)
			}
		})
	}

	// Nanoseconds are cut, not rounded: 0.9999995 s stays in its second.
	at := time.Date(2021, 3, 4, 5, 6, 7, 999999500, time.UTC)
	l, err := s.Links().Link(ctx, store.Link{KakaoID: 1, UserID: "ns", LinkedAt: at})
	if err != nil {
		t.Fatal(err)
	}
	want := at.Truncate(time.Microsecond)
	if got, err := s.Links().ByKakaoID(ctx, 1); err != nil || !got.LinkedAt.Equal(want) || !l.LinkedAt.Equal(want) {
		t.Errorf("LinkedAt = %v (Link returned %v), %v; want %v", got.LinkedAt, l.LinkedAt, err, want)
	}
}

// The URL's own time zone settings cannot reach the store's times: loc is
// the driver's zone for time.Time values, which the store pins to UTC.
func TestLocInURLIsIgnored(t *testing.T) {
	t.Parallel()
	prefix := freshPrefix(t)
	s, err := Open(t.Context(), urlWith(t, "loc", "Asia/Seoul", "table_prefix", prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Commit(t.Context(), "tok", []byte("x"), time.Now().Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.Find(t.Context(), "tok"); err != nil || !found {
		t.Errorf("Find of a session ending in 30 minutes = %v, %v; want found", found, err)
	}
}
