package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"keysync/sync/number"
)

// ErrExhausted is returned when a sequence has no value left that fits its
// template; the template needs more digits. It is never papered over with a
// wider number.
var ErrExhausted = errors.New("sequence exhausted: the template has no room for the next value")

// allocator hands out the values of one sequence inside an Assign
// transaction. The sequence row is locked for the whole transaction, so the
// values it produces are final once the transaction commits and vanish
// without a gap when it rolls back. Values already taken (adopted from a
// portal, listed in reserved) are skipped: it fetches those of the next
// window in one range query instead of probing value by value.
type allocator struct {
	name   string
	tmpl   *number.Template
	window uint64
	// read is the position the transaction read under its lock.
	read uint64

	next  uint64
	dirty bool
	from  uint64
	to    uint64
	taken map[uint64]bool
	local map[uint64]bool // values taken by adoptions in this batch
}

func newAllocator(name string, tmpl *number.Template, current, start uint64, window int) *allocator {
	a := &allocator{name: name, tmpl: tmpl, window: uint64(max(window, 16)), next: current, read: current, local: map[uint64]bool{}}
	if start > a.next {
		a.next, a.dirty = start, true
	}
	return a
}

// reserve marks a value adopted from a portal as taken for this batch.
func (a *allocator) reserve(seq uint64) { a.local[seq] = true }

// Next returns the next free value formatted with country, and its sequence
// value.
func (a *allocator) Next(ctx context.Context, tx *sql.Tx, country string) (string, uint64, error) {
	for {
		if a.next > a.tmpl.MaxSeq() {
			return "", 0, fmt.Errorf("%s: %w (template %q, next value %d)", a.name, ErrExhausted, a.tmpl.String(), a.next)
		}
		if a.taken == nil || a.next >= a.to {
			if err := a.load(ctx, tx); err != nil {
				return "", 0, err
			}
		}
		v := a.next
		if a.taken[v] || a.local[v] {
			a.next++
			a.dirty = true
			continue
		}
		s, err := a.tmpl.Format(v, country)
		if err != nil {
			return "", 0, err
		}
		a.next++
		a.dirty = true
		return s, v, nil
	}
}

func (a *allocator) load(ctx context.Context, tx *sql.Tx) error {
	a.from, a.to = a.next, a.next+a.window
	a.taken = map[uint64]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT value FROM reserved WHERE seq_name = ? AND value >= ? AND value < ?`, a.name, a.from, a.to)
	if err != nil {
		return fmt.Errorf("%s: read taken values: %w", a.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v uint64
		if err := rows.Scan(&v); err != nil {
			return fmt.Errorf("%s: read taken values: %w", a.name, err)
		}
		a.taken[v] = true
	}
	return rows.Err()
}

// errSequenceMoved says that a sequence no longer stood where the
// transaction read it when it came to store its new position. On one
// server the lock taken when reading makes that impossible; on a Galera
// cluster, whose row locks are local to a node, a transaction committed
// through another node can move it in between, and storing the position
// anyway would hand its values out a second time. The transaction is run
// again (Store.retry).
var errSequenceMoved = errors.New("sequence moved since it was read")

// save stores the sequence position when values were handed out,
// compare-and-set on the position read (errSequenceMoved).
func (a *allocator) save(ctx context.Context, tx *sql.Tx) error {
	if !a.dirty {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE sequences SET next_value = ? WHERE name = ? AND next_value = ?`, a.next, a.name, a.read)
	if err != nil {
		return fmt.Errorf("%s: save sequence: %w", a.name, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%s: save sequence at %d: %w", a.name, a.read, errSequenceMoved)
	}
	return nil
}

// lockSequences locks the three sequence rows for the transaction. Every
// Assign takes them in the same order first, which serialises allocation
// across processes and hosts without deadlocks.
func (s *Store) lockSequences(ctx context.Context, tx *sql.Tx, window int) (customer, household, person *allocator, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, next_value FROM sequences WHERE name IN (?, ?, ?) ORDER BY name FOR UPDATE`, seqCustomer, seqHousehold, seqPerson)
	if err != nil {
		if isNoSuchTable(err) {
			return nil, nil, nil, ErrSchemaOutdated
		}
		return nil, nil, nil, fmt.Errorf("lock sequences: %w", err)
	}
	defer rows.Close()
	values := map[string]uint64{}
	for rows.Next() {
		var name string
		var v uint64
		if err := rows.Scan(&name, &v); err != nil {
			return nil, nil, nil, fmt.Errorf("lock sequences: %w", err)
		}
		values[name] = v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("lock sequences: %w", err)
	}
	if len(values) != 3 {
		return nil, nil, nil, ErrSchemaOutdated
	}
	customer = newAllocator(seqCustomer, s.num.Number, values[seqCustomer], s.num.NumberStart, window)
	household = newAllocator(seqHousehold, s.num.Household, values[seqHousehold], s.num.HHStart, window)
	person = newAllocator(seqPerson, s.num.Person, values[seqPerson], s.num.PEStart, window)
	return customer, household, person, nil
}
