package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

var _ keysync.ChangeFeed = (*Feed)(nil)

// Feed is the central change feed as the exporter reads it: the change
// sequence that every write transaction extends (feed_write.go), a cursor
// per sink, and the persons' current records. Persons recorded before
// schema version 8 have no position; a sink without a cursor gets a full
// export, which carries every person, so none needs one.
type Feed struct {
	s *Store
	// PageSize is how many persons one query reads; 0 means 500. Memory
	// holds one page, however many persons a full export carries.
	PageSize int
	// Logger receives a WARN line for a person whose stored record cannot
	// be read; nil means slog.Default().
	Logger *slog.Logger
}

// Feed returns the change feed of the central database.
func (s *Store) Feed() *Feed { return &Feed{s: s} }

// Cursor implements keysync.ChangeFeed. A cursor before the position the
// sequence was pruned to (Prune) counts as none: the changes after it are
// gone, so the sink gets a full export.
func (f *Feed) Cursor(ctx context.Context, sink string) (uint64, bool, error) {
	var pos sql.NullInt64
	var pruned uint64
	err := f.s.db.QueryRowContext(ctx, `SELECT s.cursor_pos, c.pos FROM sink_state s JOIN change_pruned c ON c.id = 1 WHERE s.sink = ?`, sink).
		Scan(&pos, &pruned)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, false, nil
	case isNoSuchTable(err):
		return 0, false, ErrSchemaOutdated
	case err != nil:
		return 0, false, fmt.Errorf("read cursor of sink %s: %w", sink, err)
	}
	if !pos.Valid || uint64(pos.Int64) < pruned {
		return 0, false, nil
	}
	return uint64(pos.Int64), true, nil
}

// pruneChunk is how many changes one statement of Prune deletes.
const pruneChunk = 10000

// Prune deletes the changes every one of the sinks has confirmed: those up
// to the lowest of their cursors. Sinks without a cursor get a full export
// and need none; with no cursor among them nothing is pruned. A sink not
// among them (one configured on another host, or removed) whose cursor
// lies before the pruned position gets a full export when it next runs.
// It returns how many changes it deleted.
func (f *Feed) Prune(ctx context.Context, sinks []string) (int64, error) {
	if len(sinks) == 0 {
		return 0, nil
	}
	args := sqlutil.Args(sinks)
	var upTo sql.NullInt64
	var pruned int64
	err := f.s.db.QueryRowContext(ctx, `SELECT MIN(s.cursor_pos), COALESCE(MIN(c.pos), 0) FROM change_pruned c LEFT JOIN sink_state s ON s.sink IN (`+
		sqlutil.Placeholders(len(sinks))+`) WHERE c.id = 1`, args...).Scan(&upTo, &pruned)
	if err != nil {
		return 0, fmt.Errorf("prune changes: %w", err)
	}
	if !upTo.Valid || upTo.Int64 <= pruned {
		return 0, nil
	}
	// The position first, then the rows: a reader that finds a change gone
	// finds the position that says so.
	if _, err := f.s.db.ExecContext(ctx, `UPDATE change_pruned SET pos = GREATEST(pos, ?) WHERE id = 1`, upTo.Int64); err != nil {
		return 0, fmt.Errorf("prune changes: %w", err)
	}
	var total int64
	for {
		res, err := f.s.db.ExecContext(ctx, `DELETE FROM changes WHERE pos <= ? ORDER BY pos LIMIT ?`, upTo.Int64, pruneChunk)
		if err != nil {
			return total, fmt.Errorf("prune changes: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune changes: %w", err)
		}
		total += n
		if n < pruneChunk {
			return total, nil
		}
	}
}

// Confirm implements keysync.ChangeFeed.
func (f *Feed) Confirm(ctx context.Context, sink string, pos uint64) error {
	_, err := f.s.db.ExecContext(ctx, `INSERT INTO sink_state (sink, cursor_pos, confirmed_at) VALUES (?, ?, ?)
 ON DUPLICATE KEY UPDATE cursor_pos = VALUES(cursor_pos), confirmed_at = VALUES(confirmed_at)`, sink, pos, f.s.now())
	if err != nil {
		return fmt.Errorf("move cursor of sink %s: %w", sink, err)
	}
	return nil
}

// Head implements keysync.ChangeFeed: the counter's committed value. Every
// position up to it is visible, because positions are taken in the order
// of the commits.
func (f *Feed) Head(ctx context.Context) (uint64, error) {
	var pos uint64
	err := f.s.db.QueryRowContext(ctx, `SELECT pos FROM change_head WHERE id = 1`).Scan(&pos)
	switch {
	case isNoSuchTable(err) || errors.Is(err, sql.ErrNoRows):
		return 0, ErrSchemaOutdated
	case err != nil:
		return 0, fmt.Errorf("read change head: %w", err)
	}
	return pos, nil
}

// Changes implements keysync.ChangeFeed.
func (f *Feed) Changes(ctx context.Context, after uint64, limit int) ([]keysync.Change, error) {
	var out []keysync.Change
	err := sqlutil.Each(ctx, f.s.db, `SELECT pos, number FROM changes WHERE pos > ? ORDER BY pos LIMIT ?`, []any{after, limit}, func(rows *sql.Rows) error {
		var c keysync.Change
		if err := rows.Scan(&c.Pos, &c.Number); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read changes after %d: %w", after, err)
	}
	return out, nil
}

// Persons implements keysync.ChangeFeed, a page of persons at a time.
func (f *Feed) Persons(ctx context.Context, numbers []string) iter.Seq2[keysync.PersonRecord, error] {
	return func(yield func(keysync.PersonRecord, error) bool) {
		next := f.everyPage()
		if numbers != nil {
			next = f.pagesOf(numbers)
		}
		for {
			page, err := next(ctx)
			if err != nil {
				yield(keysync.PersonRecord{}, err)
				return
			}
			if len(page) == 0 {
				return
			}
			for _, p := range page {
				if !yield(p, nil) {
					return
				}
			}
		}
	}
}

// pageFunc returns the next page of persons, none at the end.
type pageFunc func(ctx context.Context) ([]keysync.PersonRecord, error)

// everyPage pages through every person in the order of the numbers.
func (f *Feed) everyPage() pageFunc {
	after, done := "", false
	return func(ctx context.Context) ([]keysync.PersonRecord, error) {
		if done {
			return nil, nil
		}
		page, err := f.readPersons(ctx, `p.number > ? ORDER BY p.number LIMIT ?`, []any{after, f.pageSize()})
		if len(page) < f.pageSize() {
			done = true
		}
		if len(page) > 0 {
			after = page[len(page)-1].Number
		}
		return page, err
	}
}

// pagesOf reads the persons with the given numbers, a page at a time, in
// the order given; numbers no person holds are left out.
func (f *Feed) pagesOf(numbers []string) pageFunc {
	rest := numbers
	return func(ctx context.Context) ([]keysync.PersonRecord, error) {
		for len(rest) > 0 {
			part := rest[:min(f.pageSize(), len(rest))]
			rest = rest[len(part):]
			args := make([]any, len(part))
			for i, n := range part {
				args[i] = n
			}
			page, err := f.readPersons(ctx, `p.number IN (`+sqlutil.Placeholders(len(part))+`)`, args)
			if err != nil || len(page) > 0 {
				return inOrder(page, part), err
			}
		}
		return nil, nil
	}
}

// inOrder puts the persons in the order of the numbers.
func inOrder(page []keysync.PersonRecord, numbers []string) []keysync.PersonRecord {
	by := make(map[string]keysync.PersonRecord, len(page))
	for _, p := range page {
		by[p.Number] = p
	}
	out := make([]keysync.PersonRecord, 0, len(page))
	for _, n := range numbers {
		if p, ok := by[n]; ok {
			out = append(out, p)
			delete(by, n)
		}
	}
	return out
}

func (f *Feed) pageSize() int {
	if f.PageSize <= 0 {
		return 500
	}
	return f.PageSize
}

// readPersons reads the persons the condition selects, with what their
// accounts say of their status.
func (f *Feed) readPersons(ctx context.Context, where string, args []any) ([]keysync.PersonRecord, error) {
	var page []keysync.PersonRecord
	err := sqlutil.Each(ctx, f.s.db, `SELECT p.number, COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), p.status, COALESCE(p.merged_into, ''),
 COALESCE(p.record, ''), p.first_name, p.last_name, p.email, p.birth_date, p.created_at, p.updated_at, p.forgotten_at IS NOT NULL
 FROM persons p WHERE `+where, args, func(rows *sql.Rows) error {
		p, bad, err := scanPersonRecord(rows)
		if bad != nil {
			f.logger().Warn("person record unreadable, exported from the person's own columns", keysync.LogNumber, p.Number, keysync.LogErr, bad.Error())
		}
		page = append(page, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read persons: %w", err)
	}
	if err := f.addAccountStatus(ctx, page); err != nil {
		return nil, err
	}
	return page, nil
}

// scanPersonRecord reads one person's row; a person from before schema
// version 6 without a record has one seeded from its own columns, and so
// has a person whose record does not parse (bad says why), so that one
// damaged row never stops an export; a forgotten one is its number and
// status only.
func scanPersonRecord(rows *sql.Rows) (p keysync.PersonRecord, bad, err error) {
	var status, rec, first, last, email, birth string
	var created, updated time.Time
	var forgotten bool
	if err := rows.Scan(&p.Number, &p.HH, &p.PE, &status, &p.MergedInto, &rec, &first, &last, &email, &birth, &created, &updated, &forgotten); err != nil {
		return p, nil, err
	}
	if forgotten {
		// Erased: the sinks get the number and that it was forgotten.
		return keysync.PersonRecord{Number: p.Number, Status: keysync.PersonForgotten, Fields: map[keysync.Field]string{}, Changed: updated.UTC()}, nil, nil
	}
	r, bad := parseRecord(rec)
	if rec == "" || bad != nil {
		r = seedRecord(first, last, email, birth, created.UTC())
	}
	p.Fields = make(map[keysync.Field]string, len(r))
	for fl, e := range r {
		if e.Value != "" {
			p.Fields[fl] = e.Value
		}
	}
	p.Registered, p.Changed = created.UTC(), updated.UTC()
	p.Status = keysync.PersonActive
	if status == "retired" {
		p.Status, p.Left = keysync.PersonRetired, updated.UTC()
	}
	return p, bad, nil
}

func (f *Feed) logger() *slog.Logger {
	if f.Logger == nil {
		return slog.Default()
	}
	return f.Logger
}

// addAccountStatus completes the page from the persons' accounts: a person
// whose accounts are all deleted or gone has left, when the last one went;
// registered is the earliest registration of an account; changed counts
// the accounts' moves too; a person with an account of a Wibisoft import
// is one Wibisoft knows.
func (f *Feed) addAccountStatus(ctx context.Context, page []keysync.PersonRecord) error {
	if len(page) == 0 {
		return nil
	}
	idx := make(map[string]int, len(page))
	args := make([]any, len(page))
	for i, p := range page {
		idx[p.Number], args[i] = i, p.Number
	}
	err := sqlutil.Each(ctx, f.s.db, `SELECT number, MAX(status IN ('active', 'inactive')),
 MAX(COALESCE(deleted_at, status_changed_at, linked_at)), MIN(registered_at), MAX(status_changed_at), MAX(source = ?)
 FROM accounts WHERE number IN (`+sqlutil.Placeholders(len(args))+`) GROUP BY number`, append([]any{keysync.WibisoftSource}, args...), func(rows *sql.Rows) error {
		var number string
		var current bool
		var left time.Time
		var registered, moved sql.NullTime
		var wibisoft bool
		if err := rows.Scan(&number, &current, &left, &registered, &moved, &wibisoft); err != nil {
			return err
		}
		p := &page[idx[number]]
		if p.Status == keysync.PersonForgotten {
			return nil
		}
		p.Wibisoft = wibisoft
		if p.Status == keysync.PersonActive && !current {
			p.Status, p.Left = keysync.PersonLeft, left.UTC()
		}
		if registered.Valid && registered.Time.Before(p.Registered) {
			p.Registered = registered.Time.UTC()
		}
		if moved.Valid && moved.Time.After(p.Changed) {
			p.Changed = moved.Time.UTC()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read persons' accounts: %w", err)
	}
	return nil
}
