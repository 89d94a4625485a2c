package sqlutil_test

import (
	"context"
	"errors"
	"testing"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// TestIsRetryable_RealDeadlock makes two transactions wait for each other's
// row on a real server: the victim's error must be recognised as worth a
// retry, and an ordinary error must not.
func TestIsRetryable_RealDeadlock(t *testing.T) {
	_, db := testdb.New(t, t.Name())
	testdb.MustExec(t, db, `CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB`)
	testdb.MustExec(t, db, `INSERT INTO t VALUES (1, 0), (2, 0)`)
	ctx := t.Context()

	tx1, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback() //nolint:errcheck
	tx2, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback() //nolint:errcheck
	if _, err := tx1.ExecContext(ctx, `UPDATE t SET v = 1 WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx2.ExecContext(ctx, `UPDATE t SET v = 2 WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		_, err := tx1.ExecContext(context.Background(), `UPDATE t SET v = 1 WHERE id = 2`)
		second <- err
	}()
	_, err2 := tx2.ExecContext(ctx, `UPDATE t SET v = 2 WHERE id = 1`)
	var victim error
	if err2 != nil {
		victim = err2
		_ = tx2.Rollback()
		if err := <-second; err != nil {
			t.Fatalf("the survivor failed too: %v", err)
		}
	} else {
		victim = <-second
	}
	if victim == nil {
		t.Fatal("no transaction was chosen as the deadlock victim")
	}
	if !sqlutil.IsRetryable(victim) {
		t.Errorf("IsRetryable(%v) = false, want true", victim)
	}
	if sqlutil.IsRetryable(fmtWrap(victim)) != true {
		t.Errorf("IsRetryable of a wrapped deadlock = false, want true")
	}

	_ = tx1.Rollback()
	_ = tx2.Rollback()
	_, err = db.ExecContext(ctx, `INSERT INTO t VALUES (1, 0)`)
	if err == nil || sqlutil.IsRetryable(err) {
		t.Errorf("IsRetryable(duplicate key %v) = true, want false", err)
	}
	if sqlutil.IsRetryable(errors.New("Error 1213: Deadlock found")) {
		t.Error("IsRetryable matched an error by its text")
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("commit"), err) }
