package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"

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
		{"bad connection", driver.ErrBadConn, true},
		{"invalid connection", mysqldriver.ErrInvalidConn, true},
		{"deadline", context.DeadlineExceeded, true},
		{"server shutting down", &mysqldriver.MySQLError{Number: 1053}, true},
		{"too many connections", &mysqldriver.MySQLError{Number: 1040}, true},
		{"lock wait timeout", &mysqldriver.MySQLError{Number: 1205}, true},
		{"deadlock after the retries", &mysqldriver.MySQLError{Number: 1213}, true},
		{"read-only after a failover", &mysqldriver.MySQLError{Number: 1290}, true},
		{"connection killed", &mysqldriver.MySQLError{Number: 1927}, true},
		{"statement timeout", &mysqldriver.MySQLError{Number: 1969}, true},
		{"disk full", &mysqldriver.MySQLError{Number: 1021}, true},
		{"wrapped server error", fmt.Errorf("x: %w", &mysqldriver.MySQLError{Number: 1053}), true},
		{"missing table", &mysqldriver.MySQLError{Number: 1146}, false},
		{"bad password", &mysqldriver.MySQLError{Number: 1045}, false},
		{"no such database", &mysqldriver.MySQLError{Number: 1049}, false},
		{"duplicate key", &mysqldriver.MySQLError{Number: 1062}, false},
		{"permission denied", &mysqldriver.MySQLError{Number: 1142}, false},
		{"packet too large", &mysqldriver.MySQLError{Number: 1153}, false},
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

// A deadlock victim was rolled back whole: retry runs it again, and gives
// up after deadlockRetries more runs. Other errors are not retried.
func TestRetryRunsDeadlockVictimsAgain(t *testing.T) {
	t.Parallel()
	deadlock := &mysqldriver.MySQLError{Number: erLockDeadlock}
	tests := []struct {
		name     string
		fails    int
		err      error
		wantRuns int
		wantErr  bool
	}{
		{"success", 0, nil, 1, false},
		{"one deadlock", 1, deadlock, 2, false},
		{"deadlocks to the end", 100, deadlock, deadlockRetries + 1, true},
		{"other server error", 100, &mysqldriver.MySQLError{Number: erDupEntry}, 1, true},
		{"lock wait timeout", 100, &mysqldriver.MySQLError{Number: erLockWaitTimeout}, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := 0
			err := retry(t.Context(), func() error {
				runs++
				if runs <= tt.fails {
					return tt.err
				}
				return nil
			})
			if runs != tt.wantRuns || (err != nil) != tt.wantErr {
				t.Errorf("runs = %d, err = %v; want %d runs, error %v", runs, err, tt.wantRuns, tt.wantErr)
			}
		})
	}
}
