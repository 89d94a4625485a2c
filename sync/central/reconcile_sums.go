package central

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"keysync/internal/sqlutil"
)

// A reconciliation compares a checksum per range of reconcile.RangeSize
// account ids on both sides (see reconcile.RangeSum). The central side's
// checksums are kept in account_sums (schema version 5) by every
// transaction that writes accounts, so that a reconciliation reads a few
// thousand stored sums instead of hashing every account.
//
// The sums are XORs and counts, so a transaction keeps them by taking its
// accounts' rows out before it writes them and putting them back in after
// (accountSums), and adds the difference to the stored sums last, just
// before it commits: the rows it locks in account_sums are always the last
// locks it takes, in range order, so two transactions never wait for each
// other in a circle.

// sumColumns are the aggregates of a range of accounts: the accounts of any
// status, the gone ones, and the BIT_XOR of the CRC32 of each other
// account's string "id|status|number|hh|pe|copied_from" (see linkSumSQL).
// Statuses are compared by their ENUM index (4 is gone), which costs the
// server far less than a comparison by collation.
const sumColumns = `COUNT(*), COUNT(IF(status + 0 = 4, 1, NULL)),
 BIT_XOR(IF(status + 0 = 4, 0, ` + rowHash + `))`

// rowHash is the CRC32 of an account's string; rowSum is whether the
// account is gone and its part of the checksum (0 when gone).
const (
	rowHash = `CRC32(CONCAT_WS('|', account_id, status + 0, number, COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, ''), copied_from))`
	rowSum  = `status + 0 = 4, IF(status + 0 = 4, 0, ` + rowHash + `)`
)

// sumRange is the range of the stored sums, fixed by schema version 5 (and
// written out in sumDrift). A reconciliation with ranges of another size
// has its sums computed.
const sumRange = 128

type sumKey struct {
	source string
	rg     uint64
}

func compareSumKeys(x, y sumKey) int {
	return cmp.Or(cmp.Compare(x.source, y.source), cmp.Compare(x.rg, y.rg))
}

type sumDiff struct {
	accounts, gone int64
	xor            uint64
}

// accountSums collects what one transaction changes in the stored sums
// and in the kept name counts (write_names.go).
type accountSums struct {
	tx    *sql.Tx
	diff  map[sumKey]*sumDiff
	names map[nameKey]int64
}

func newAccountSums(tx *sql.Tx) *accountSums {
	return &accountSums{tx: tx, diff: map[sumKey]*sumDiff{}, names: map[nameKey]int64{}}
}

// remove takes the accounts' rows out of the sums: call it before writing
// them. Rows that do not exist are not counted.
func (a *accountSums) remove(ctx context.Context, source string, ids []uint64) error {
	return a.read(ctx, source, ids, -1)
}

// add puts the accounts' rows, as the transaction has written them, into
// the sums: call it after writing them.
func (a *accountSums) add(ctx context.Context, source string, ids []uint64) error {
	return a.read(ctx, source, ids, 1)
}

// rewrite takes the accounts out of the sums, runs write and puts them back.
func (a *accountSums) rewrite(ctx context.Context, source string, ids []uint64, write func() error) error {
	if err := a.remove(ctx, source, ids); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	return a.add(ctx, source, ids)
}

// read adds or subtracts the accounts' rows. It reads each row by its key
// and sums in Go: a grouped read may scan, and lock, rows of other
// transactions, which deadlocked concurrent write-backs. It is a locking
// read, because the sums must be of the rows as the transaction writes
// them, never of an older snapshot.
func (a *accountSums) read(ctx context.Context, source string, ids []uint64, sign int64) error {
	// Each row once (an id twice in one list would be counted twice), and
	// locked in id order.
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	const chunk = 1000
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, source)
		for _, id := range part {
			args = append(args, id)
		}
		err := sqlutil.Each(ctx, a.tx, `SELECT account_id, `+rowSum+`, first_norm, last_norm FROM accounts FORCE INDEX (PRIMARY)
 WHERE source = ? AND account_id IN (`+sqlutil.Placeholders(len(part))+`) FOR UPDATE`, args, func(rows *sql.Rows) error {
			var id uint64
			var gone bool
			var xor uint64
			var first, last string
			if err := rows.Scan(&id, &gone, &xor, &first, &last); err != nil {
				return err
			}
			a.names[nameKey{nameFirst, first}] += sign
			a.names[nameKey{nameLast, last}] += sign
			k := sumKey{source, id / sumRange}
			t := a.diff[k]
			if t == nil {
				t = &sumDiff{}
				a.diff[k] = t
			}
			t.accounts += sign
			if gone {
				t.gone += sign
			}
			t.xor ^= xor
			return nil
		})
		if err != nil {
			return fmt.Errorf("sum accounts: %w", err)
		}
	}
	return nil
}

// flush adds the changes to the kept name counts and the stored sums, each
// in key order. Call it last before the commit.
func (a *accountSums) flush(ctx context.Context) error {
	if err := flushNameCounts(ctx, a.tx, a.names); err != nil {
		return err
	}
	keys := make([]sumKey, 0, len(a.diff))
	for k, d := range a.diff {
		if *d != (sumDiff{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareSumKeys)
	const chunk = 500
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, 5*len(part))
		for _, k := range part {
			d := a.diff[k]
			args = append(args, k.source, k.rg, d.accounts, d.gone, d.xor)
		}
		if _, err := a.tx.ExecContext(ctx, `INSERT INTO account_sums (source, range_no, accounts, gone, xor_sum) VALUES `+
			sqlutil.Rows(len(part), 5)+` ON DUPLICATE KEY UPDATE accounts = accounts + VALUES(accounts), gone = gone + VALUES(gone), xor_sum = xor_sum ^ VALUES(xor_sum)`,
			args...); err != nil {
			return fmt.Errorf("keep the accounts' checksums: %w", err)
		}
	}
	clear(a.diff)
	return nil
}

// commit ends a transaction that wrote accounts: its history events, then
// the sums (the last locks it takes, see above), the positions of the
// persons it changed in the change feed (taken last of all, see
// feed_write.go), then the commit.
func (a *accountSums) commit(ctx context.Context, events *insert, changed []string) error {
	if err := events.exec(ctx, a.tx); err != nil {
		return err
	}
	if err := a.flush(ctx); err != nil {
		return err
	}
	if err := feedChanges(ctx, a.tx, changed); err != nil {
		return err
	}
	if err := a.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// insertAccounts inserts the rows of in, an accounts insert, and adds
// them to the sums.
func (a *accountSums) insertAccounts(ctx context.Context, in *insert) error {
	if err := in.exec(ctx, a.tx); err != nil {
		return err
	}
	keys := make([]accountKey, len(in.rows))
	for i, r := range in.rows {
		keys[i] = accountKey{r[0].(string), r[1].(uint64)}
	}
	return eachSource(keys, func(source string, ids []uint64) error { return a.add(ctx, source, ids) })
}

// accountKey names one account.
type accountKey struct {
	source string
	id     uint64
}

// eachSource calls fn with the ids of each source among keys, the sources
// in the order they first appear.
func eachSource(keys []accountKey, fn func(source string, ids []uint64) error) error {
	ids := map[string][]uint64{}
	var sources []string
	for _, k := range keys {
		if _, ok := ids[k.source]; !ok {
			sources = append(sources, k.source)
		}
		ids[k.source] = append(ids[k.source], k.id)
	}
	for _, src := range sources {
		if err := fn(src, ids[src]); err != nil {
			return err
		}
	}
	return nil
}

// storedSumsSQL reads a source's stored sums.
const storedSumsSQL = `SELECT range_no, accounts, gone, xor_sum FROM account_sums WHERE source = ? AND accounts > 0 ORDER BY range_no`

// CheckSums compares the stored sums with sums computed from the accounts
// and describes every range where they differ: none unless something
// wrote accounts past keysync (or a keysync older than schema version 5
// still ran after the migration). RebuildSums sets them right.
func (s *Store) CheckSums(ctx context.Context) ([]string, error) {
	drift, err := s.sumDrift(ctx)
	if err != nil {
		return nil, err
	}
	bad := make([]string, 0, len(drift))
	for _, d := range drift {
		bad = append(bad, fmt.Sprintf("%s accounts %d-%d: stored %d accounts, %d gone, checksum %d; the accounts give %d, %d, %d",
			d.key.source, d.key.rg*sumRange, (d.key.rg+1)*sumRange-1, d.stored.accounts, d.stored.gone, d.stored.xor,
			d.computed.accounts, d.computed.gone, d.computed.xor))
	}
	return bad, nil
}

// RebuildSums sets the stored sums right where CheckSums finds them out of
// step. It adds to each such range the difference between what the
// accounts give and what is stored, both read in one snapshot: writes
// committed since add their own changes to accounts and sums together, so
// the difference stays what it was. It locks no accounts, and so runs
// beside a daemon.
func (s *Store) RebuildSums(ctx context.Context) error {
	drift, err := s.sumDrift(ctx)
	if err != nil || len(drift) == 0 {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	a := newAccountSums(tx)
	for _, d := range drift {
		a.diff[d.key] = &sumDiff{
			accounts: d.computed.accounts - d.stored.accounts,
			gone:     d.computed.gone - d.stored.gone,
			xor:      d.computed.xor ^ d.stored.xor,
		}
	}
	if err := a.flush(ctx); err != nil {
		return fmt.Errorf("rebuild checksums: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// rangeDrift is a range whose stored sums differ from its accounts'.
type rangeDrift struct {
	key              sumKey
	stored, computed sumDiff
}

// sumDrift reads the stored sums and computes the accounts' in one
// snapshot, so that writes committing meanwhile, which change accounts
// and sums together, are in both or in neither, and returns the ranges
// where they differ, in order.
func (s *Store) sumDrift(ctx context.Context) ([]rangeDrift, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	stored, err := readSums(ctx, tx, `SELECT source, range_no, accounts, gone, xor_sum FROM account_sums WHERE accounts <> 0 OR gone <> 0 OR xor_sum <> 0`)
	if err != nil {
		return nil, err
	}
	computed, err := readSums(ctx, tx, `SELECT source, account_id DIV 128, `+sumColumns+` FROM accounts GROUP BY 1, 2`)
	if err != nil {
		return nil, err
	}
	var out []rangeDrift
	for k, cp := range computed {
		if st := stored[k]; st != cp {
			out = append(out, rangeDrift{k, st, cp})
		}
	}
	for k, st := range stored {
		if _, ok := computed[k]; !ok {
			out = append(out, rangeDrift{key: k, stored: st})
		}
	}
	slices.SortFunc(out, func(x, y rangeDrift) int { return compareSumKeys(x.key, y.key) })
	return out, nil
}

// readSums reads sums per source and range.
func readSums(ctx context.Context, tx *sql.Tx, q string) (map[sumKey]sumDiff, error) {
	out := map[sumKey]sumDiff{}
	err := sqlutil.Each(ctx, tx, q, nil, func(rows *sql.Rows) error {
		var k sumKey
		var v sumDiff
		err := rows.Scan(&k.source, &k.rg, &v.accounts, &v.gone, &v.xor)
		out[k] = v
		return err
	})
	if err != nil {
		if isNoSuchTable(err) {
			return nil, ErrSchemaOutdated
		}
		return nil, fmt.Errorf("read checksums: %w", err)
	}
	return out, nil
}
