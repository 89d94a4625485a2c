package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keysync/internal/sqlutil"
)

// sourceLock makes sure only one daemon works a source at a time, across
// hosts: a MySQL named lock on a pinned central connection, named for the
// central database and the source (sqlutil.LockName). The lock dies
// with the connection, so when the holder crashes or loses its network a
// standby's next try gets it. Each poll first confirms the lock is still
// held on that very connection.
type sourceLock struct {
	db     *sql.DB
	source string

	conn    *sql.Conn
	name    string // of the lock held on conn
	release func()
}

func newSourceLock(db *sql.DB, source string) *sourceLock {
	return &sourceLock{db: db, source: source}
}

// errLockLost means the lock or its connection went away while held.
var errLockLost = errors.New("source lock lost")

// ensure returns true when this process holds the lock, taking it if it is
// free. A lost lock is reported once as errLockLost; the next call tries to
// take it again.
func (l *sourceLock) ensure(ctx context.Context) (bool, error) {
	if l.conn != nil {
		var mine sql.NullBool
		err := l.conn.QueryRowContext(ctx, `SELECT IS_USED_LOCK(?) = CONNECTION_ID()`, l.name).Scan(&mine)
		if err == nil && mine.Valid && mine.Bool {
			return true, nil
		}
		l.close()
		if err != nil {
			return false, fmt.Errorf("%w: %v", errLockLost, err)
		}
		return false, errLockLost
	}
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("source lock: %w", err)
	}
	var database sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&database); err != nil {
		conn.Close()
		return false, fmt.Errorf("source lock: %w", err)
	}
	name := sqlutil.LockName("source", database.String, l.source)
	release, err := sqlutil.GetLock(ctx, conn, name, 0)
	if errors.Is(err, sqlutil.ErrLocked) {
		conn.Close()
		return false, nil
	}
	if err != nil {
		conn.Close()
		return false, fmt.Errorf("source lock: %w", err)
	}
	l.conn, l.name, l.release = conn, name, release
	return true, nil
}

// close releases the lock and its connection.
func (l *sourceLock) close() {
	if l.conn == nil {
		return
	}
	l.release()
	l.conn.Close()
	l.conn, l.release = nil, nil
}
