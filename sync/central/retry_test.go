package central

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"
)

var (
	errDeadlock = fmt.Errorf("commit: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
	errLockWait = &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded; try restarting transaction"}
	errOther    = &mysql.MySQLError{Number: 1406, Message: "Data too long for column"}
)

func TestRetry_RunsAgainAfterDeadlocks(t *testing.T) {
	s := &Store{}
	fails := []error{errDeadlock, errLockWait, nil}
	calls := 0
	err := s.retry(t.Context(), func() error {
		calls++
		return fails[calls-1]
	})
	if err != nil {
		t.Fatalf("retry = %v, want nil", err)
	}
	if calls != 3 {
		t.Errorf("calls = %d, want 3", calls)
	}
	if got := s.Retries.Load(); got != 2 {
		t.Errorf("Retries = %d, want 2", got)
	}
}

func TestRetry_OtherErrorsAtOnce(t *testing.T) {
	s := &Store{}
	calls := 0
	err := s.retry(t.Context(), func() error { calls++; return errOther })
	if !errors.Is(err, errOther) || calls != 1 {
		t.Errorf("retry = %v after %d calls, want the error after 1", err, calls)
	}
	if got := s.Retries.Load(); got != 0 {
		t.Errorf("Retries = %d, want 0", got)
	}
}

func TestRetry_Bounded(t *testing.T) {
	s := &Store{}
	calls := 0
	err := s.retry(t.Context(), func() error { calls++; return errDeadlock })
	if !errors.Is(err, errDeadlock) || calls != maxAttempts {
		t.Errorf("retry = %v after %d calls, want the deadlock after %d", err, calls, maxAttempts)
	}
}

func TestRetry_StopsWhenCancelled(t *testing.T) {
	s := &Store{}
	ctx, cancel := context.WithCancel(t.Context())
	calls := 0
	err := s.retry(ctx, func() error { calls++; cancel(); return errDeadlock })
	if !errors.Is(err, errDeadlock) || calls != 1 {
		t.Errorf("retry = %v after %d calls, want the deadlock after 1", err, calls)
	}
}
