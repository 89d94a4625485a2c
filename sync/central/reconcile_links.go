package central

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

var (
	_ reconcile.Store      = (*Store)(nil)
	_ reconcile.RangeStore = (*Store)(nil)
)

// lockCheckInterval is how often a held reconciliation lock is confirmed.
const lockCheckInterval = 10 * time.Second

// reconcileLockName is the named lock of a source's reconciliation. Named
// locks are global to the server, so the name holds the central database's
// as well: two installations sharing a server do not block each other.
// MySQL names are at most 64 characters; a longer name is shortened with a
// hash of its tail.
func reconcileLockName(database, source string) string {
	n := "keysync.reconcile." + database + "." + source
	if len(n) <= 64 {
		return n
	}
	sum := sha256.Sum256([]byte(n))
	return n[:64-17] + "." + hex.EncodeToString(sum[:8])
}

// LockReconcile implements reconcile.Store: GET_LOCK with no wait on
// a connection pinned for the whole run. The lock dies with the connection,
// so a crashed run never blocks the next; a goroutine confirms every few
// seconds that this connection still holds it.
func (s *Store) LockReconcile(ctx context.Context, source string) (context.Context, func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reconciliation lock: %w", err)
	}
	var database sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&database); err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("reconciliation lock: %w", err)
	}
	name := reconcileLockName(database.String, source)
	release, err := sqlutil.GetLock(ctx, conn, name, 0)
	if errors.Is(err, sqlutil.ErrLocked) {
		conn.Close()
		return nil, nil, fmt.Errorf("%w (lock %s)", reconcile.ErrBusy, name)
	}
	if err != nil {
		conn.Close()
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
		conn.Close()
		cancel(nil)
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

// Links implements reconcile.Store: a range of the accounts primary
// key, each with its copy of the person's Wibisoft ids (schema version 4).
// Accounts whose copy is missing or belongs to another number are joined to
// their person, and their copy is renewed, so that the next walk need not.
func (s *Store) Links(ctx context.Context, source string, after uint64, limit int) ([]reconcile.Link, error) {
	return s.links(ctx, source, after, math.MaxUint64, limit)
}

// LinksBetween implements reconcile.RangeStore.
func (s *Store) LinksBetween(ctx context.Context, source string, after, upTo uint64, limit int) ([]reconcile.Link, error) {
	return s.links(ctx, source, after, upTo, limit)
}

func (s *Store) links(ctx context.Context, source string, after, upTo uint64, limit int) ([]reconcile.Link, error) {
	q := `SELECT account_id, number, status, written_at IS NOT NULL, copied_from <=> number,
 COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, '') FROM accounts
 WHERE source = ? AND account_id > ? ORDER BY account_id LIMIT ?`
	args := []any{source, after, limit}
	if upTo != math.MaxUint64 {
		q = `SELECT account_id, number, status, written_at IS NOT NULL, copied_from <=> number,
 COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, '') FROM accounts
 WHERE source = ? AND account_id > ? AND account_id <= ? ORDER BY account_id LIMIT ?`
		args = []any{source, after, upTo, limit}
	}
	out, stale, err := s.readLinks(ctx, q, args, limit)
	if err != nil || len(stale) == 0 {
		return out, err
	}
	ids := make([]any, 0, len(stale)+1)
	ids = append(ids, source)
	for _, id := range stale {
		ids = append(ids, id)
	}
	in := sqlutil.Placeholders(len(stale))
	if err := s.copyIDs(ctx, source, stale); err != nil {
		return nil, fmt.Errorf("copy persons' ids to accounts: %w", err)
	}
	fresh, _, err := s.readLinks(ctx, `SELECT a.account_id, a.number, a.status, a.written_at IS NOT NULL, 1,
 COALESCE(p.hh_id, ''), COALESCE(p.pe_id, '') FROM accounts a LEFT JOIN persons p ON p.number = a.number
 WHERE a.source = ? AND a.account_id IN (`+in+`) ORDER BY a.account_id`, ids, len(stale))
	if err != nil {
		return nil, err
	}
	// Both lists are in id order: replace the stale links by the fresh.
	merged := out[:0]
	j := 0
	for _, l := range out {
		for j < len(fresh) && fresh[j].AccountID < l.AccountID {
			j++
		}
		if _, isStale := slices.BinarySearch(stale, l.AccountID); !isStale {
			merged = append(merged, l)
		} else if j < len(fresh) && fresh[j].AccountID == l.AccountID {
			merged = append(merged, fresh[j])
		}
	}
	return merged, nil
}

// copyIDs renews the accounts' copies of their persons' Wibisoft ids.
func (s *Store) copyIDs(ctx context.Context, source string, ids []uint64) error {
	args := make([]any, 0, len(ids)+1)
	args = append(args, source)
	for _, id := range ids {
		args = append(args, id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	sums := newAccountSums(tx)
	err = sums.rewrite(ctx, source, ids, func() error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts a LEFT JOIN persons p ON p.number = a.number
 SET a.hh_id_copy = p.hh_id, a.pe_id_copy = p.pe_id, a.copied_from = a.number
 WHERE a.source = ? AND a.account_id IN (`+sqlutil.Placeholders(len(ids))+`)`, args...)
		return err
	})
	if err != nil {
		return err
	}
	if err := sums.flush(ctx); err != nil {
		return err
	}
	return tx.Commit()
}

// linkSumSQL sums a source's accounts per id range for a reconciliation
// (see reconcile.RangeSum): the canonical string of an account is that of
// the portal row it expects, "id|status|number|hh|pe|copied_from" (the
// status by its ENUM index, as the portal writes the state), with the
// copy of the person's ids and the number the copy was made for, which the
// portal's string repeats the row's number in place of: a copy made for
// another number (stale: the walk renews it) or none (NULL, which
// CONCAT_WS leaves out) can never give the portal's string. Gone accounts
// expect no row: they are counted, not hashed.
const linkSumSQL = `SELECT account_id DIV ?, ` + sumColumns + ` FROM accounts WHERE source = ? GROUP BY 1 ORDER BY 1`

// LinkSums implements reconcile.RangeStore. Sums of ranges of sumRange ids
// are read from account_sums, which every write of accounts keeps; sums of
// other ranges are computed from the accounts.
func (s *Store) LinkSums(ctx context.Context, source string, size uint64) ([]reconcile.RangeSum, error) {
	q, args := linkSumSQL, []any{size, source}
	if size == sumRange {
		q, args = storedSumsSQL, []any{source}
	}
	var out []reconcile.RangeSum
	err := sqlutil.Each(ctx, s.db, q, args, func(rows *sql.Rows) error {
		var r reconcile.RangeSum
		err := rows.Scan(&r.Range, &r.All, &r.Gone, &r.Xor)
		r.Count = r.All - r.Gone
		out = append(out, r)
		return err
	})
	if err != nil {
		if isNoSuchColumn(err) || isNoSuchTable(err) {
			return nil, ErrSchemaOutdated
		}
		return nil, fmt.Errorf("sum accounts: %w", err)
	}
	return out, nil
}

// ConflictRanges implements reconcile.RangeStore.
func (s *Store) ConflictRanges(ctx context.Context, source string, kinds []keysync.ConflictKind, size uint64) ([]uint64, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{size, source}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	var out []uint64
	err := sqlutil.Each(ctx, s.db, `SELECT DISTINCT account_id DIV ? FROM conflicts WHERE source = ? AND status = 'open' AND kind IN (`+
		sqlutil.Placeholders(len(kinds))+`) ORDER BY 1`, args, func(rows *sql.Rows) error {
		var r uint64
		err := rows.Scan(&r)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find ranges of open conflicts: %w", err)
	}
	return out, nil
}

// readLinks runs a query returning links (account id, number, status,
// written, copy current, hh, pe) and returns them with the ids of those
// whose copy is not current.
func (s *Store) readLinks(ctx context.Context, q string, args []any, size int) ([]reconcile.Link, []uint64, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		if isNoSuchTable(err) || isNoSuchColumn(err) {
			return nil, nil, ErrSchemaOutdated
		}
		return nil, nil, fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	// The values of a page share one string (sqlutil.TextPage), and the
	// row is scanned into variables declared once: a walk reads a million
	// links, allocations per value would dominate it.
	out := make([]reconcile.Link, 0, size)
	refs := make([][3]sqlutil.TextRef, 0, size)
	var stale []uint64
	var page sqlutil.TextPage
	var (
		id                     uint64
		written, current       bool
		number, status, hh, pe sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&id, &number, &status, &written, &current, &hh, &pe); err != nil {
			return nil, nil, fmt.Errorf("read links: %w", err)
		}
		if !current {
			stale = append(stale, id)
		}
		out = append(out, reconcile.Link{AccountID: id, Status: statusOf(status), Written: written})
		refs = append(refs, [3]sqlutil.TextRef{page.Add(number), page.Add(hh), page.Add(pe)})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read links: %w", err)
	}
	page.Done()
	for i, r := range refs {
		out[i].Number, out[i].HH, out[i].PE = page.Text(r[0]), page.Text(r[1]), page.Text(r[2])
	}
	return out, stale, nil
}

// statusOf returns the status constant an accounts.status value
// names, without a string of its own per row.
func statusOf(b []byte) keysync.AccountStatus {
	for _, s := range keysync.AccountStatuses {
		if string(b) == string(s) {
			return s
		}
	}
	return keysync.AccountStatus(b)
}

// LinkedTo implements reconcile.Store.
func (s *Store) LinkedTo(ctx context.Context, source string, numbers []string) ([]reconcile.Link, error) {
	if len(numbers) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(numbers)+1)
	args = append(args, source)
	for _, n := range numbers {
		args = append(args, n)
	}
	var out []reconcile.Link
	err := sqlutil.Each(ctx, s.db, `SELECT account_id, number FROM accounts WHERE source = ? AND number IN (`+sqlutil.Placeholders(len(numbers))+`) ORDER BY account_id`, args, func(rows *sql.Rows) error {
		var l reconcile.Link
		err := rows.Scan(&l.AccountID, &l.Number)
		out = append(out, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read links of numbers: %w", err)
	}
	return out, nil
}

// OpenConflictPage implements reconcile.Store. The order is that of
// the conflicts' (source, account_id) index, which holds the id as well.
func (s *Store) OpenConflictPage(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID uint64, limit int) ([]reconcile.OpenConflict, error) {
	return s.openConflicts(ctx, source, kinds, afterAccount, afterID, math.MaxUint64, limit)
}

// OpenConflictsBetween implements reconcile.RangeStore.
func (s *Store) OpenConflictsBetween(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID, upTo uint64, limit int) ([]reconcile.OpenConflict, error) {
	return s.openConflicts(ctx, source, kinds, afterAccount, afterID, upTo, limit)
}

func (s *Store) openConflicts(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID, upTo uint64, limit int) ([]reconcile.OpenConflict, error) {
	if len(kinds) == 0 {
		return nil, nil
	}
	args := []any{source, afterAccount, afterAccount, afterID}
	bound := ""
	if upTo != math.MaxUint64 {
		bound = " AND account_id <= ?"
		args = append(args, upTo)
	}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	args = append(args, limit)
	var out []reconcile.OpenConflict
	err := sqlutil.Each(ctx, s.db, `SELECT id, kind, account_id, value FROM conflicts
 WHERE source = ? AND (account_id > ? OR (account_id = ? AND id > ?))`+bound+` AND status = 'open' AND kind IN (`+sqlutil.Placeholders(len(kinds))+`)
 ORDER BY account_id, id LIMIT ?`, args, func(rows *sql.Rows) error {
		var c reconcile.OpenConflict
		var kind string
		err := rows.Scan(&c.ID, &kind, &c.AccountID, &c.Value)
		c.Kind = keysync.ConflictKind(kind)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read open conflicts: %w", err)
	}
	return out, nil
}

// Reconcile implements reconcile.Store: status changes, restored
// values, resolved and new conflicts of one step in one transaction, each
// with its history event. A status only changes from the state the walk saw.
func (s *Store) Reconcile(ctx context.Context, source string, r reconcile.Reconciled) ([]keysync.RecordedConflict, error) {
	now := s.now()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	events := eventInsert()

	type move struct{ from, to keysync.AccountStatus }
	byMove := map[move][]uint64{}
	var moves []move
	for _, c := range r.Status {
		m := move{c.From, c.To}
		if _, ok := byMove[m]; !ok {
			moves = append(moves, m)
		}
		byMove[m] = append(byMove[m], c.AccountID)
		events.add(now, s.Actor, "account_"+string(c.To), nullIf(c.Number), source, c.AccountID, string(c.From), string(c.To), statusDetail(c.To))
	}
	sums := newAccountSums(tx)
	for _, m := range moves {
		ids := byMove[m]
		// deleted_at says since when an account is off the portal; it is
		// kept from the first deletion and cleared when the account is back.
		q := `UPDATE accounts SET status = ?, status_changed_at = ?,
 deleted_at = CASE WHEN ? IN ('deleted', 'gone') THEN COALESCE(deleted_at, ?) ELSE NULL END
 WHERE source = ? AND status = ? AND account_id IN (` + sqlutil.Placeholders(len(ids)) + `)`
		args := []any{string(m.to), now, string(m.to), now, source, string(m.from)}
		for _, id := range ids {
			args = append(args, id)
		}
		if err := sums.rewrite(ctx, source, ids, func() error {
			_, err := tx.ExecContext(ctx, q, args...)
			return err
		}); err != nil {
			return nil, fmt.Errorf("mark accounts %s: %w", m.to, err)
		}
	}

	// Conflicts after the accounts, as Assign writes them, so that a poll
	// and a reconciliation never take the same locks in opposite order.
	known, err := s.insertConflicts(ctx, tx, &events, r.Conflicts, now)
	if err != nil {
		return nil, err
	}

	for _, rp := range r.Repairs {
		events.add(now, s.Actor, "repaired", nullIf(rp.Number), source, rp.AccountID, nullIf(text.Clip(rp.Old, 255)), nullIf(text.Clip(rp.New, 255)),
			"reconciliation restored the central "+fieldName(rp.Field))
	}

	if len(r.Resolve) > 0 {
		ids := make([]any, 0, len(r.Resolve)+4)
		ids = append(ids, now, text.Clip(s.Actor, 128), "the portal no longer shows this drift")
		for _, c := range r.Resolve {
			ids = append(ids, c.ID)
			events.add(now, s.Actor, "conflict_resolved", nil, source, c.AccountID, nullIf(text.Clip(c.Value, 255)), nil,
				string(c.Kind)+": resolved by reconciliation, the drift is gone")
		}
		q := `UPDATE conflicts SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = 'reconciled', note = ?, open_key = NULL
 WHERE status = 'open' AND id IN (` + sqlutil.Placeholders(len(r.Resolve)) + `)`
		if _, err := tx.ExecContext(ctx, q, ids...); err != nil {
			return nil, fmt.Errorf("resolve conflicts: %w", err)
		}
	}
	if err := events.exec(ctx, tx); err != nil {
		return nil, err
	}
	if err := sums.flush(ctx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return recorded(r.Conflicts, known), nil
}

func statusDetail(to keysync.AccountStatus) string {
	switch to {
	case keysync.StatusActive:
		return "the account is an active member of the portal again"
	case keysync.StatusDeleted:
		return "the account was deleted in the portal; its number stays reserved"
	case keysync.StatusGone:
		return "the portal row no longer exists; the number stays reserved"
	default:
		return "the account is disabled, expired or unconfirmed in the portal; its number stays reserved"
	}
}

func fieldName(f string) string {
	switch f {
	case "hh":
		return "Wibisoft household id"
	case "pe":
		return "Wibisoft person id"
	default:
		return "customer number"
	}
}
