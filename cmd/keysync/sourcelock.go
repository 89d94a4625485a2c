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
	name, err := sourceLockName(ctx, conn, l.source)
	if err != nil {
		conn.Close()
		return false, err
	}
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

// queryer is a connection or a pool.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sourceLockName is the name of source's lock in the central database q
// is connected to.
func sourceLockName(ctx context.Context, q queryer, source string) (string, error) {
	var database sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&database); err != nil {
		return "", fmt.Errorf("source lock: %w", err)
	}
	return sqlutil.LockName("source", database.String, source), nil
}

// sourceLockHolder returns the central server's connection id of the
// session holding source's lock, 0 when nobody holds it. Any session can
// hold a named lock, so the holder need not be a keysync: an operator
// frees a source from one that is none with KILL and this id.
func sourceLockHolder(ctx context.Context, db *sql.DB, source string) (int64, error) {
	name, err := sourceLockName(ctx, db, source)
	if err != nil {
		return 0, err
	}
	var id sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT IS_USED_LOCK(?)`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("source lock holder: %w", err)
	}
	return id.Int64, nil
}

// holder is sourceLockHolder for this lock's source.
func (l *sourceLock) holder(ctx context.Context) (int64, error) {
	return sourceLockHolder(ctx, l.db, l.source)
}
