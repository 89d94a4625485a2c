package central

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// ConflictView is one conflict as admins review it.
type ConflictView struct {
	ID        uint64 `json:"id"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	Account   string `json:"account"`
	Source    string `json:"source"`
	AccountID uint64 `json:"account_id"`
	// AccountNumber is the person the account is linked to now, "" when the
	// conflict kept it from being linked.
	AccountNumber string `json:"account_number,omitempty"`
	Value         string `json:"value,omitempty"`
	// Number is the other person involved, if any.
	Number     string     `json:"number,omitempty"`
	Detail     string     `json:"detail,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	Resolution string     `json:"resolution,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// ConflictFilter selects conflicts; zero fields select everything.
type ConflictFilter struct {
	Open   bool
	Kind   string
	Source string
	// AccountID selects the conflicts of one account of Source.
	AccountID uint64
	// Number selects the conflicts about a person: raised for one of its
	// accounts or naming it as the other side.
	Number string
	Limit  int
}

const conflictColumns = `c.id, c.kind, c.status, c.source, c.account_id, COALESCE(a.number, ''), c.value, c.number,
 COALESCE(c.detail, ''), c.created_at, c.resolved_at, COALESCE(c.resolved_by, ''), COALESCE(c.resolution, ''), COALESCE(c.note, '')
 FROM conflicts c LEFT JOIN accounts a ON a.source = c.source AND a.account_id = c.account_id`

func scanConflict(rows *sql.Rows) (ConflictView, error) {
	var c ConflictView
	var resolved sql.NullTime
	err := rows.Scan(&c.ID, &c.Kind, &c.Status, &c.Source, &c.AccountID, &c.AccountNumber, &c.Value, &c.Number,
		&c.Detail, &c.CreatedAt, &resolved, &c.ResolvedBy, &c.Resolution, &c.Note)
	c.Account = keysync.AccountKey(c.Source, c.AccountID)
	c.CreatedAt = c.CreatedAt.UTC()
	c.ResolvedAt = timePtr(resolved)
	return c, err
}

// Conflicts lists conflicts, newest first.
func (s *Store) Conflicts(ctx context.Context, f ConflictFilter) ([]ConflictView, error) {
	q, args := f.sql()
	out := []ConflictView{}
	err := sqlutil.Each(ctx, s.db, q, args, func(rows *sql.Rows) error {
		c, err := scanConflict(rows)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read conflicts: %w", err)
	}
	return out, nil
}

// Conflict returns one conflict by id.
func (s *Store) Conflict(ctx context.Context, id uint64) (ConflictView, error) {
	return readConflict(ctx, s.db, id, "")
}

// readConflict reads one conflict by id; lock is appended to the query
// ("FOR UPDATE" inside a transaction).
func readConflict(ctx context.Context, db sqlutil.Querier, id uint64, lock string) (ConflictView, error) {
	var out []ConflictView
	err := sqlutil.Each(ctx, db, `SELECT `+conflictColumns+` WHERE c.id = ?`+lock, []any{id}, func(rows *sql.Rows) error {
		c, err := scanConflict(rows)
		out = append(out, c)
		return err
	})
	if err != nil {
		return ConflictView{}, fmt.Errorf("read conflict: %w", err)
	}
	if len(out) == 0 {
		return ConflictView{}, fmt.Errorf("conflict %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// sql is the statement that lists the filter's conflicts, newest first,
// and its arguments: every value the admin typed is one of them.
func (f ConflictFilter) sql() (string, []any) {
	var where []string
	var args []any
	if f.Open {
		where = append(where, `c.status = 'open'`)
	}
	if f.Kind != "" {
		where = append(where, `c.kind = ?`)
		args = append(args, f.Kind)
	}
	if f.Source != "" {
		where = append(where, `c.source = ?`)
		args = append(args, f.Source)
	}
	if f.AccountID != 0 {
		where = append(where, `c.account_id = ?`)
		args = append(args, f.AccountID)
	}
	if f.Number != "" {
		where = append(where, `(c.number = ? OR a.number = ?)`)
		args = append(args, f.Number, f.Number)
	}
	q := `SELECT ` + conflictColumns
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY c.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return q, args
}
