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
	ID   uint64 `json:"id"`
	Kind string `json:"kind"`
	// Rule is the part of the decision that raised a review conflict
	// (keysync.Rule*), "" for other kinds.
	Rule      string `json:"rule,omitempty"`
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
	// Rule selects review conflicts raised by one rule (keysync.Rule*).
	Rule string
	// Before selects conflicts raised before this instant.
	Before time.Time
	// Below selects conflicts with an id below it: the page after the one
	// that ended with that id, newest first, read through the primary key
	// however deep.
	Below uint64
	// Limit is the size of a page, Offset how many conflicts to pass over
	// before it (--page).
	Limit, Offset int
}

const conflictColumns = `c.id, c.kind, c.rule, c.status, c.source, c.account_id, COALESCE(a.number, ''), c.value, c.number,
 COALESCE(c.detail, ''), c.created_at, c.resolved_at, COALESCE(c.resolved_by, ''), COALESCE(c.resolution, ''), COALESCE(c.note, '')
 FROM conflicts c LEFT JOIN accounts a ON a.source = c.source AND a.account_id = c.account_id`

func scanConflict(rows *sql.Rows) (ConflictView, error) {
	var c ConflictView
	var resolved sql.NullTime
	err := rows.Scan(&c.ID, &c.Kind, &c.Rule, &c.Status, &c.Source, &c.AccountID, &c.AccountNumber, &c.Value, &c.Number,
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

// sql is the statement that lists the filter's conflicts, newest first, a
// page of Limit after Offset, and its arguments: every value the admin
// typed is one of them.
func (f ConflictFilter) sql() (string, []any) {
	where, args := f.where()
	q := `SELECT ` + conflictColumns + where + ` ORDER BY c.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
		if f.Offset > 0 {
			q += fmt.Sprintf(` OFFSET %d`, f.Offset)
		}
	}
	return q, args
}

// where is the filter as a WHERE clause over conflicts c joined to their
// accounts a, with its arguments; "" when it selects everything.
func (f ConflictFilter) where() (string, []any) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if f.Open {
		add(`c.status = 'open'`)
	}
	if f.Kind != "" {
		add(`c.kind = ?`, f.Kind)
	}
	if f.Rule != "" {
		add(`c.rule = ?`, f.Rule)
	}
	if f.Source != "" {
		add(`c.source = ?`, f.Source)
	}
	if f.AccountID != 0 {
		add(`c.account_id = ?`, f.AccountID)
	}
	if f.Number != "" {
		add(`(c.number = ? OR a.number = ?)`, f.Number, f.Number)
	}
	if !f.Before.IsZero() {
		add(`c.created_at < ?`, f.Before.UTC())
	}
	if f.Below != 0 {
		add(`c.id < ?`, f.Below)
	}
	if len(where) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(where, " AND "), args
}

// ConflictGroup is the count of open conflicts of one kind and rule.
type ConflictGroup struct {
	Kind  string `json:"kind"`
	Rule  string `json:"rule,omitempty"`
	Count int    `json:"count"`
}

// ConflictSummary counts the open conflicts by kind and rule, of one
// source or of all (source ""), the largest groups first, from the counts
// kept as conflicts open and close (open_counts.go).
func (s *Store) ConflictSummary(ctx context.Context, source string) ([]ConflictGroup, error) {
	q := `SELECT kind, rule, SUM(open) FROM open_conflicts WHERE open <> 0`
	var args []any
	if source != "" {
		q += ` AND source = ?`
		args = append(args, source)
	}
	q += ` GROUP BY kind, rule ORDER BY 3 DESC, 1, 2`
	out := []ConflictGroup{}
	err := sqlutil.Each(ctx, s.db, q, args, func(rows *sql.Rows) error {
		var g ConflictGroup
		err := rows.Scan(&g.Kind, &g.Rule, &g.Count)
		out = append(out, g)
		return err
	})
	if isNoSuchTable(err) {
		return nil, ErrSchemaOutdated
	}
	if err != nil {
		return nil, fmt.Errorf("count open conflicts: %w", err)
	}
	return out, nil
}

// OpenConflictCount counts the open conflicts of the sources from the
// counts kept as conflicts open and close: a few rows however many are
// open.
func (s *Store) OpenConflictCount(ctx context.Context, sources []string) (int, error) {
	if len(sources) == 0 {
		return 0, nil
	}
	args := make([]any, len(sources))
	for i, src := range sources {
		args[i] = src
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(open), 0) FROM open_conflicts WHERE source IN (`+
		sqlutil.Placeholders(len(sources))+`)`, args...).Scan(&n)
	if isNoSuchTable(err) {
		return 0, ErrSchemaOutdated
	}
	if err != nil {
		return 0, fmt.Errorf("count open conflicts: %w", err)
	}
	return n, nil
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
