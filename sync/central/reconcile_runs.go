package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	"keysync/sync/reconcile"
)

var (
	_ reconcile.Store      = (*Store)(nil)
	_ reconcile.RangeStore = (*Store)(nil)
)

// lockCheckInterval is how often a held reconciliation lock is confirmed.
const lockCheckInterval = 10 * time.Second

// LockReconcile implements reconcile.Store: GET_LOCK with no wait on
// a connection pinned for the whole run. The lock dies with the connection,
// so a crashed run never blocks the next; a goroutine confirms every few
// seconds that this connection still holds it.
func (s *Store) LockReconcile(ctx context.Context, source string) (context.Context, func(), error) {
	conn, name, release, err := s.namedLock(ctx, "reconcile", source, 0)
	if errors.Is(err, sqlutil.ErrLocked) {
		return nil, nil, fmt.Errorf("%w (lock %s)", reconcile.ErrBusy, name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reconciliation lock: %w", err)
	}
	locked, cancel := context.WithCancelCause(ctx)
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(lockCheckInterval)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-locked.Done():
				return
			case <-tick.C:
			}
			var mine sql.NullBool
			err := conn.QueryRowContext(locked, `SELECT IS_USED_LOCK(?) = CONNECTION_ID()`, name).Scan(&mine)
			if err != nil || !mine.Valid || !mine.Bool {
				cause := reconcile.ErrLockLost
				if err != nil {
					cause = fmt.Errorf("%w: %v", reconcile.ErrLockLost, err)
				}
				cancel(cause)
				return
			}
		}
	}()
	return locked, func() {
		close(stop)
		<-done
		release()
		cancel(nil)
	}, nil
}

// namedLock takes the named lock of kind and name in this central
// database (sqlutil.LockName) on a connection pinned for as long as it is
// held, waiting at most wait; release frees the lock and the connection.
// When another session holds it, the error is sqlutil.ErrLocked and lock
// says which lock.
func (s *Store) namedLock(ctx context.Context, kind, name string, wait time.Duration) (conn *sql.Conn, lock string, release func(), err error) {
	conn, err = s.db.Conn(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	var database sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&database); err != nil {
		conn.Close()
		return nil, "", nil, err
	}
	lock = sqlutil.LockName(kind, database.String, name)
	unlock, err := sqlutil.GetLock(ctx, conn, lock, wait)
	if err != nil {
		conn.Close()
		return nil, lock, nil, err
	}
	return conn, lock, func() {
		unlock()
		conn.Close()
	}, nil
}

// StartReconcile implements reconcile.Store. Runs of the source
// still marked running were ended by a crash: the caller holds the lock.
func (s *Store) StartReconcile(ctx context.Context, source string, repair bool) (uint64, error) {
	now := s.now()
	if _, err := s.db.ExecContext(ctx, `UPDATE reconciliations SET status = 'failed', finished_at = ?,
 report = JSON_OBJECT('source', source, 'status', 'failed', 'error', 'ended without a report (the process stopped)')
 WHERE source = ? AND status = 'running'`, now, source); err != nil {
		if isNoSuchTable(err) {
			return 0, ErrSchemaOutdated
		}
		return 0, fmt.Errorf("close interrupted reconciliations: %w", err)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO reconciliations (source, started_at, repair, status, actor) VALUES (?, ?, ?, 'running', ?)`,
		source, now, repair, text.Clip(s.Actor, 128))
	if err != nil {
		return 0, fmt.Errorf("record reconciliation: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("record reconciliation: %w", err)
	}
	return uint64(id), nil
}

// FinishReconcile implements reconcile.Store.
func (s *Store) FinishReconcile(ctx context.Context, id uint64, r reconcile.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE reconciliations SET finished_at = ?, status = ?, report = ? WHERE id = ?`,
		s.now(), r.Status, string(b), id); err != nil {
		return fmt.Errorf("store reconciliation report: %w", err)
	}
	return nil
}
