package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kakaologin/kakaologin/store"
)

func TestWrapMarksOnlyUnansweredCallsUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection lost", io.ErrUnexpectedEOF, true},
		{"deadline", context.DeadlineExceeded, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"server starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, true},
		{"lock timeout", &pgconn.PgError{Code: "55P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"disk full", &pgconn.PgError{Code: "53100"}, true},
		{"I/O error", &pgconn.PgError{Code: "58030"}, true},
		{"wrapped server error", fmt.Errorf("x: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"missing table", &pgconn.PgError{Code: "42P01"}, false},
		{"bad password", &pgconn.PgError{Code: "28P01"}, false},
		{"no such database", &pgconn.PgError{Code: "3D000"}, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"permission denied", &pgconn.PgError{Code: "42501"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wrap("find", tt.err)
			if got := errors.Is(err, store.ErrUnavailable); got != tt.want {
				t.Errorf("errors.Is(wrap(%v), ErrUnavailable) = %v, want %v", tt.err, got, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("wrap lost the cause %v", tt.err)
			}
		})
	}
	if wrap("find", nil) != nil {
		t.Error("wrap(nil) != nil")
	}
}
