package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// SinkState is what the central database keeps of a sink's exports, for
// `keysync status` and whoever runs the next export: the cursor, the
// last run and success with its counts, and the last error.
type SinkState struct {
	Sink string `json:"sink"`
	// Cursor is the last position the sink confirmed; nil before its first
	// delivery.
	Cursor      *uint64    `json:"cursor,omitempty"`
	LastRun     *time.Time `json:"last_run,omitempty"`
	LastOK      *time.Time `json:"last_success,omitempty"`
	Written     int64      `json:"written"`
	Changed     int64      `json:"changed"`
	Removed     int64      `json:"removed"`
	Where       string     `json:"where,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// Failures counts the exports that failed since the last success.
	Failures int64 `json:"failures"`
}

// RecordExport keeps the outcome of one export to a sink: on success its
// counts and where, on failure the error, which names no password (the
// sinks see to that).
func (f *Feed) RecordExport(ctx context.Context, sink string, res keysync.Result, failure error) error {
	now := f.s.now()
	var err error
	if failure == nil {
		_, err = f.s.db.ExecContext(ctx, `INSERT INTO sink_state (sink, last_run_at, last_ok_at, last_written, last_changed, last_removed, last_where, failures)
 VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON DUPLICATE KEY UPDATE last_run_at = VALUES(last_run_at), last_ok_at = VALUES(last_ok_at),
 last_written = VALUES(last_written), last_changed = VALUES(last_changed), last_removed = VALUES(last_removed),
 last_where = VALUES(last_where), failures = 0`, sink, now, now, res.Written, res.Changed, res.Removed, text.Clip(res.Where, 1024))
	} else {
		_, err = f.s.db.ExecContext(ctx, `INSERT INTO sink_state (sink, last_run_at, last_error, last_error_at, failures)
 VALUES (?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE last_run_at = VALUES(last_run_at), last_error = VALUES(last_error),
 last_error_at = VALUES(last_error_at), failures = failures + 1`, sink, now, text.Clip(failure.Error(), 4000), now)
	}
	if err != nil {
		return fmt.Errorf("record export to sink %s: %w", sink, err)
	}
	return nil
}

// SinkStates returns the kept state of every sink that ever exported, by
// name.
func (f *Feed) SinkStates(ctx context.Context) (map[string]SinkState, error) {
	out := map[string]SinkState{}
	err := sqlutil.Each(ctx, f.s.db, `SELECT sink, cursor_pos, last_run_at, last_ok_at, COALESCE(last_written, 0), COALESCE(last_changed, 0),
 COALESCE(last_removed, 0), COALESCE(last_where, ''), COALESCE(last_error, ''), last_error_at, failures FROM sink_state ORDER BY sink`, nil, func(rows *sql.Rows) error {
		var st SinkState
		var cursor sql.NullInt64
		var run, ok, errAt sql.NullTime
		if err := rows.Scan(&st.Sink, &cursor, &run, &ok, &st.Written, &st.Changed, &st.Removed, &st.Where, &st.LastError, &errAt, &st.Failures); err != nil {
			return err
		}
		if cursor.Valid {
			c := uint64(cursor.Int64)
			st.Cursor = &c
		}
		st.LastRun, st.LastOK, st.LastErrorAt = utcPtr(run), utcPtr(ok), utcPtr(errAt)
		out[st.Sink] = st
		return nil
	})
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("read sinks' state: %w", err)
	}
	return out, nil
}

func utcPtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// ErrSinkBusy is returned by LockSink when another keysync exports the
// sink.
var ErrSinkBusy = errors.New("another keysync is exporting this sink")

// LockSink takes the sink's export lock, so that the daemon's schedule and
// `keysync export` never write one sink at once; it waits at most wait
// for an export running elsewhere, then fails with ErrSinkBusy. The lock
// lives on a pinned connection and dies with it: a crashed export never
// blocks the next.
func (f *Feed) LockSink(ctx context.Context, sink string, wait time.Duration) (release func(), err error) {
	_, lock, release, err := f.s.namedLock(ctx, "export", sink, wait)
	if errors.Is(err, sqlutil.ErrLocked) {
		return nil, fmt.Errorf("%w (lock %s)", ErrSinkBusy, lock)
	}
	if err != nil {
		return nil, fmt.Errorf("export lock of sink %s: %w", sink, err)
	}
	return release, nil
}
