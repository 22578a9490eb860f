package postgres

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
			wantLeft := 30*time.Minute + tt.skew
			if !s.queryBool(t, `SELECT expiry - now() BETWEEN $2::interval - interval '1 minute' AND $2::interval
				FROM {sessions} WHERE token = $1`, []byte(token), wantLeft) {
				t.Errorf("session does not end %v from now on the database clock", wantLeft)
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
			if !s.queryBool(t, `SELECT expiry >= now() + $2::interval - interval '1 minute' FROM {sessions} WHERE token = $1`,
				[]byte(token), store.RevocationTTL) {
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
