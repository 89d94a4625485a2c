package central

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// openKey identifies an open conflict, so the same finding is stored once
// while it is open and can be raised again after it was resolved. A
// registration may resemble several persons: each suspected duplicate is
// its own finding, for an admin to decide pair by pair.
func openKey(c keysync.Conflict) string {
	k := string(c.Kind) + "|" + c.Source + "|" + strconv.FormatUint(c.AccountID, 10) + "|" + c.StoredValue()
	if c.Kind == keysync.ConflictSuspectedDuplicate {
		k += "|" + c.Number
	}
	return text.Clip(k, 400)
}

// insertConflicts stores conflicts that are not open yet, adds a history
// event for each new one, and returns the open keys that were already open.
func (s *Store) insertConflicts(ctx context.Context, tx *sql.Tx, events *insert, cs []keysync.Conflict, now time.Time) (map[string]bool, error) {
	known := map[string]bool{}
	if len(cs) == 0 {
		return known, nil
	}
	keys := make([]any, len(cs))
	for i, c := range cs {
		keys[i] = openKey(c)
	}
	err := sqlutil.Each(ctx, tx, `SELECT open_key FROM conflicts WHERE open_key IN (`+sqlutil.Placeholders(len(keys))+`)`, keys, func(rows *sql.Rows) error {
		var k string
		err := rows.Scan(&k)
		known[k] = true
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read open conflicts: %w", err)
	}
	// One insert per counter: what INSERT IGNORE left out (a conflict a
	// concurrent transaction opened first) is counted there.
	inserts := map[group]*insert{}
	var order []group
	seen := map[string]bool{}
	for _, c := range cs {
		k := openKey(c)
		if known[k] || seen[k] {
			continue
		}
		seen[k] = true
		g := group{c.Source, string(c.Kind), c.Rule}
		if inserts[g] == nil {
			order = append(order, g)
			inserts[g] = &insert{verb: "INSERT IGNORE", table: "conflicts", cols: []string{"kind", "source", "account_id", "value", "number", "detail", "open_key", "created_at", "rule"}}
		}
		inserts[g].add(string(c.Kind), c.Source, c.AccountID, c.StoredValue(), text.Clip(c.Number, 64), text.Abbrev(c.Detail, maxDetail, "…"), k, now, c.Rule)
		addEvent(events, now, s.Actor, "conflict", c.Number, c.Source, c.AccountID, c.Value, "", string(c.Kind)+": "+c.Detail)
	}
	oc := openCounts{}
	for _, g := range order {
		n, err := inserts[g].execCount(ctx, tx)
		if err != nil {
			return nil, err
		}
		oc[g] += n
	}
	return known, oc.apply(ctx, tx)
}

// RecordConflicts implements keysync.Store.
func (s *Store) RecordConflicts(ctx context.Context, cs []keysync.Conflict) (rec []keysync.RecordedConflict, err error) {
	if len(cs) == 0 {
		return nil, nil
	}
	err = s.retry(ctx, func() (err error) {
		rec, err = s.recordConflicts(ctx, cs)
		return err
	})
	return rec, err
}

func (s *Store) recordConflicts(ctx context.Context, cs []keysync.Conflict) ([]keysync.RecordedConflict, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	events := eventInsert()
	known, err := s.insertConflicts(ctx, tx, &events, cs, s.now())
	if err != nil {
		return nil, err
	}
	if err := events.exec(ctx, tx); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	return recorded(cs, known), nil
}

// recorded says of each conflict whether it was open already (known, by
// open key) or is new.
func recorded(cs []keysync.Conflict, known map[string]bool) []keysync.RecordedConflict {
	out := make([]keysync.RecordedConflict, len(cs))
	for i, c := range cs {
		out[i] = keysync.RecordedConflict{Conflict: c, Known: known[openKey(c)]}
	}
	return out
}

// Written implements keysync.Store: it marks the accounts as written and adds
// a "written" event per account.
func (s *Store) Written(ctx context.Context, source string, written []keysync.Outcome) error {
	if len(written) == 0 {
		return nil
	}
	return s.retry(ctx, func() error { return s.written(ctx, source, written) })
}

func (s *Store) written(ctx context.Context, source string, written []keysync.Outcome) error {
	now := s.now()
	ids := make([]any, 0, len(written)+2)
	ids = append(ids, now, source)
	accounts := make([]uint64, 0, len(written))
	events := eventInsert()
	for _, o := range written {
		ids = append(ids, o.Account.ID)
		accounts = append(accounts, o.Account.ID)
		addEvent(&events, now, s.Actor, "written", o.Number, source, o.Account.ID, o.Account.Number, o.Number, "hh="+o.HH+" pe="+o.PE)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	// The accounts take a copy of their person's Wibisoft ids on the way,
	// for reconciliations (see schema version 4).
	sums := newAccountSums(tx)
	err = sums.rewrite(ctx, source, accounts, func() error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts a LEFT JOIN persons p ON p.number = a.number
 SET a.written_at = ?, a.hh_id_copy = p.hh_id, a.pe_id_copy = p.pe_id, a.copied_from = a.number
 WHERE a.source = ? AND a.account_id IN (`+sqlutil.Placeholders(len(written))+`)`, ids...)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark written: %w", err)
	}
	return sums.commit(ctx, &events, nil)
}

// Watermark implements keysync.Store.
func (s *Store) Watermark(ctx context.Context, source string) (uint64, error) {
	var v uint64
	err := s.db.QueryRowContext(ctx, `SELECT sweep_after FROM source_state WHERE source = ?`, source).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if isNoSuchTable(err) {
		return 0, ErrSchemaOutdated
	}
	if err != nil {
		return 0, fmt.Errorf("read watermark: %w", err)
	}
	return v, nil
}

// AdvanceWatermark implements keysync.Store.
func (s *Store) AdvanceWatermark(ctx context.Context, source string, id uint64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO source_state (source, sweep_after, updated_at) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE sweep_after = GREATEST(sweep_after, VALUES(sweep_after)), updated_at = VALUES(updated_at)`, source, id, s.now())
	if err != nil {
		return fmt.Errorf("advance watermark: %w", err)
	}
	return nil
}

// ChangeCursor implements keysync.Store.
func (s *Store) ChangeCursor(ctx context.Context, source string) (string, bool, error) {
	var v sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT change_cursor FROM source_state WHERE source = ?`, source).Scan(&v)
	if err == sql.ErrNoRows {
		return "", false, nil
	}
	if isNoSuchTable(err) || isNoSuchColumn(err) {
		return "", false, ErrSchemaOutdated
	}
	if err != nil {
		return "", false, fmt.Errorf("read change cursor: %w", err)
	}
	return v.String, v.Valid, nil
}

// SetChangeCursor implements keysync.Store.
func (s *Store) SetChangeCursor(ctx context.Context, source, cursor string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO source_state (source, change_cursor, updated_at) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE change_cursor = VALUES(change_cursor), updated_at = VALUES(updated_at)`, source, text.Clip(cursor, 255), s.now())
	if err != nil {
		return fmt.Errorf("store change cursor: %w", err)
	}
	return nil
}

// Stale implements keysync.Store: it compares the rows with the stored
// status and hash of their accounts, by primary key, without locking.
func (s *Store) Stale(ctx context.Context, source string, accts []keysync.Account) ([]keysync.Account, error) {
	if len(accts) == 0 {
		return nil, nil
	}
	stored := make(map[uint64]storedAccount, len(accts))
	args := make([]any, 0, len(accts)+1)
	args = append(args, source)
	for _, a := range accts {
		args = append(args, a.ID)
	}
	err := sqlutil.Each(ctx, s.db, `SELECT account_id, status, data_hash FROM accounts WHERE source = ? AND account_id IN (`+
		sqlutil.Placeholders(len(accts))+`)`, args, func(rows *sql.Rows) error {
		var id uint64
		var st storedAccount
		var hash sql.Null[uint64]
		if err := rows.Scan(&id, &st.status, &hash); err != nil {
			return err
		}
		st.hash, st.hashed = hash.V, hash.Valid
		stored[id] = st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read accounts' hashes: %w", err)
	}
	var out []keysync.Account
	for _, a := range accts {
		if st, linked := stored[a.ID]; !linked || st.changed(a) {
			out = append(out, a)
		}
	}
	return out, nil
}
