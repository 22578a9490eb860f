package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakaologin/kakaologin/store"
)

func TestErrorsMatchErrUnavailableOnlyWhenTheFileCannotBeUsed(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel2 := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel2()

	_, _, errCanceled := s.Find(canceled, "tok")
	errExpired := s.Commit(expired, "tok", []byte("v"), inHour())
	// A statement the database rejects is a bug, not an outage.
	errStatement := s.retry(t.Context(), "bad statement", func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO kakaologin_links (kakao_id, user_id, linked_at) VALUES (1, NULL, 0)`)
		return err
	})
	tests := []struct {
		name        string
		err         error
		unavailable bool
		is          error
	}{
		{"canceled context", errCanceled, true, context.Canceled},
		{"passed deadline", errExpired, true, context.DeadlineExceeded},
		{"constraint violation", errStatement, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(tt.err, store.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", tt.err, got, tt.unavailable)
			}
			if tt.is != nil && !errors.Is(tt.err, tt.is) {
				t.Errorf("error %v does not match %v", tt.err, tt.is)
			}
			if !strings.HasPrefix(tt.err.Error(), "sqlite: ") {
				t.Errorf("error %q does not name the backend", tt.err)
			}
		})
	}
}

// Errors never show session tokens or data.
func TestErrorsDoNotShowTokens(t *testing.T) {
	t.Parallel()
	s := openTest(t)
	ctx := t.Context()
	if err := s.Delete(ctx, "secret-token-value"); err != nil {
		t.Fatal(err)
	}
	err := s.Commit(ctx, "secret-token-value", []byte("secret-data"), inHour())
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("Commit error %v shows the token or data", err)
	}
}
