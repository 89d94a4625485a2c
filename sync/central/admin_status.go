package central

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"keysync/internal/text"
)

// SourceState is what the central database knows about one source's polls.
// Zero times mean "never".
type SourceState struct {
	Source      string
	LastPollAt  time.Time
	LastOKAt    time.Time
	LastError   string
	LastErrorAt time.Time
}

// maxErrorText bounds the error text kept per source; a driver error
// quoting a long statement must not fill the table.
const maxErrorText = 2000

// RecordPoll records a finished poll of source: its time, and either that
// it succeeded or the error it ended with. The last error stays after a
// later success, so that `keysync status` can tell when a source recovered.
// The sweep watermark is left alone.
func (s *Store) RecordPoll(ctx context.Context, source string, ok bool, errText string) error {
	now := s.now()
	var err error
	if ok {
		_, err = s.db.ExecContext(ctx, `INSERT INTO source_state (source, updated_at, last_poll_at, last_ok_at) VALUES (?, ?, ?, ?)
ON DUPLICATE KEY UPDATE last_poll_at = VALUES(last_poll_at), last_ok_at = VALUES(last_ok_at)`, source, now, now, now)
	} else {
		_, err = s.db.ExecContext(ctx, `INSERT INTO source_state (source, updated_at, last_poll_at, last_error, last_error_at) VALUES (?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE last_poll_at = VALUES(last_poll_at), last_error = VALUES(last_error), last_error_at = VALUES(last_error_at)`,
			source, now, now, text.Clip(errText, maxErrorText), now)
	}
	if isNoSuchTable(err) {
		return ErrSchemaOutdated
	}
	if err != nil {
		return fmt.Errorf("record poll: %w", err)
	}
	return nil
}

// SourceStates returns the recorded state of every source that has one.
func (s *Store) SourceStates(ctx context.Context) (map[string]SourceState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, last_poll_at, last_ok_at, COALESCE(last_error, ''), last_error_at FROM source_state`)
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("read source state: %w", err)
	}
	defer rows.Close()
	out := map[string]SourceState{}
	for rows.Next() {
		var st SourceState
		var poll, ok, errAt sql.NullTime
		if err := rows.Scan(&st.Source, &poll, &ok, &st.LastError, &errAt); err != nil {
			return nil, fmt.Errorf("read source state: %w", err)
		}
		st.LastPollAt, st.LastOKAt, st.LastErrorAt = poll.Time, ok.Time, errAt.Time
		out[st.Source] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read source state: %w", err)
	}
	return out, nil
}

// OpenConflicts counts the open conflicts per source and kind.
func (s *Store) OpenConflicts(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, kind, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY source, kind`)
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("count open conflicts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var source, kind string
		var n int
		if err := rows.Scan(&source, &kind, &n); err != nil {
			return nil, fmt.Errorf("count open conflicts: %w", err)
		}
		if out[source] == nil {
			out[source] = map[string]int{}
		}
		out[source][kind] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count open conflicts: %w", err)
	}
	return out, nil
}

// Reconciliation is one reconciliation run as recorded. FinishedAt is zero
// while it runs (or when it was killed before it could record its end).
type Reconciliation struct {
	Source     string
	StartedAt  time.Time
	FinishedAt time.Time
	// Status is running, clean, conflicts or failed.
	Status string
	Report string
}

// LastReconciliations returns the latest reconciliation of every source
// that had one.
func (s *Store) LastReconciliations(ctx context.Context) (map[string]Reconciliation, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.source, r.started_at, r.finished_at, r.status, COALESCE(r.report, '')
FROM reconciliations r JOIN (SELECT source, MAX(id) AS id FROM reconciliations GROUP BY source) l ON r.id = l.id`)
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("read reconciliations: %w", err)
	}
	defer rows.Close()
	out := map[string]Reconciliation{}
	for rows.Next() {
		var r Reconciliation
		var finished sql.NullTime
		if err := rows.Scan(&r.Source, &r.StartedAt, &finished, &r.Status, &r.Report); err != nil {
			return nil, fmt.Errorf("read reconciliations: %w", err)
		}
		r.FinishedAt = finished.Time
		out[r.Source] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read reconciliations: %w", err)
	}
	return out, nil
}
