package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// How an admin resolves a conflict.
const (
	// ResolveDistinct records the two persons as different, so the pair
	// is never raised again (table distinct_pairs).
	ResolveDistinct = "distinct"
	// ResolveMerge makes the two one person: the other person's accounts
	// move to the survivor, whose number their rows get on the next pass;
	// the other number is retired for good. For a conflict about an
	// account that was never linked it links the account to the person.
	ResolveMerge = "merge"
	// ResolveIgnore closes the conflict and changes nothing.
	ResolveIgnore = "ignore"
)

// Errors of Resolve that admins act on.
var (
	// ErrNotOpen: the conflict was resolved or ignored already.
	ErrNotOpen = errors.New("conflict is not open")
	// ErrCannotResolve: the resolution does not fit the conflict, e.g.
	// distinct for a conflict with only one person, or a survivor that is
	// not one of its persons.
	ErrCannotResolve = errors.New("cannot resolve conflict this way")
	// ErrNeedsAccount: linking an account that was never linked needs its
	// portal row, read by the caller.
	ErrNeedsAccount = errors.New("the account is not linked centrally: its portal row is needed")
)

// Resolution is an admin's decision about one open conflict.
type Resolution struct {
	ID uint64
	As string // ResolveDistinct, ResolveMerge or ResolveIgnore
	// Into chooses the surviving number of a merge; by default the person
	// the conflict names as the other side (the one registered first).
	Into string
	By   string
	Note string
	// Account is the portal row of a conflict's account that is not linked
	// centrally (invalid_number, number_taken), which a merge links.
	Account *keysync.Candidate
}

// Resolved reports what Resolve did.
type Resolved struct {
	Conflict ConflictView `json:"conflict"`
	// Survivor and Retired are the numbers of a merge; Retired is "" when a
	// merge only linked an account.
	Survivor string `json:"survivor,omitempty"`
	Retired  string `json:"retired,omitempty"`
	// Moved lists the accounts now linked to the survivor whose portal rows
	// are rewritten on the next pass.
	Moved []string `json:"moved,omitempty"`
	// Distinct is the pair recorded as different persons.
	Distinct []string `json:"distinct,omitempty"`
	// Also lists other open conflicts about the same two persons that the
	// decision settled as well.
	Also []uint64 `json:"also_resolved,omitempty"`
	// SettledDistinct lists open conflicts that a merge turned into a pair
	// of persons declared different before, closed as distinct.
	SettledDistinct []uint64 `json:"settled_distinct,omitempty"`
}

// sides are the persons a conflict is about, each followed to the person
// it was merged into since.
type sides struct {
	account string // the person the conflict's account is linked to, or ""
	other   string // the other person named by the conflict, or ""
}

// Resolve applies an admin's decision to an open conflict in one
// transaction. It takes the sequence locks first, like Assign, so a merge
// never races a pass deciding about the same persons.
func (s *Store) Resolve(ctx context.Context, r Resolution) (Resolved, error) {
	if err := r.check(); err != nil {
		return Resolved{}, err
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return Resolved{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	rs, err := s.startResolving(ctx, tx, r)
	if err != nil {
		return Resolved{}, err
	}
	if err := rs.apply(ctx); err != nil {
		return Resolved{}, err
	}
	if err := rs.closeConflicts(ctx); err != nil {
		return Resolved{}, err
	}
	if err := rs.rec.write(ctx); err != nil {
		return Resolved{}, err
	}
	if err := rs.sums.commit(ctx, &rs.events, append(rs.rec.changed(), rs.repointed...)); err != nil {
		return Resolved{}, err
	}
	return rs.result(), nil
}

// check refuses a resolution that fits no conflict.
func (r Resolution) check() error {
	switch r.As {
	case ResolveDistinct, ResolveMerge, ResolveIgnore:
	default:
		return fmt.Errorf("%w: unknown resolution %q", ErrCannotResolve, r.As)
	}
	if r.As != ResolveMerge && r.Into != "" {
		return fmt.Errorf("%w: a survivor is chosen only for a merge", ErrCannotResolve)
	}
	return nil
}

// resolving is one Resolve under way: its transaction, the conflict and
// its persons, and what the decision did so far.
type resolving struct {
	r      Resolution
	tx     *sql.Tx
	sums   *accountSums
	events insert
	now    time.Time
	c      ConflictView
	sd     sides
	// status is the conflict's new status: resolved, or ignored.
	status string
	res    Resolved
	// rec are the records of the persons a merge changes; repointed the
	// numbers merged into the retired person before, which now name the
	// survivor.
	rec       *records
	repointed []string
}

// startResolving locks the sequences and the conflict, which must still
// be open, and finds its persons.
func (s *Store) startResolving(ctx context.Context, tx *sql.Tx, r Resolution) (*resolving, error) {
	if _, _, _, err := s.lockSequences(ctx, tx, 0); err != nil {
		return nil, err
	}
	c, err := readConflict(ctx, tx, r.ID, " FOR UPDATE")
	if err != nil {
		return nil, err
	}
	if c.Status != "open" {
		when := ""
		if c.ResolvedAt != nil {
			when = " on " + c.ResolvedAt.Format("2006-01-02 15:04 MST")
		}
		return nil, fmt.Errorf("conflict %d: %w: it was %s (%s) by %s%s", r.ID, ErrNotOpen, c.Status, c.Resolution, c.ResolvedBy, when)
	}
	sd, err := conflictSides(ctx, tx, c)
	if err != nil {
		return nil, err
	}
	status := "resolved"
	if r.As == ResolveIgnore {
		status = "ignored"
	}
	now := s.now()
	rec := newRecords(s, tx, now)
	rec.actor = r.By
	return &resolving{r: r, tx: tx, sums: newAccountSums(tx), events: eventInsert(), now: now, c: c, sd: sd, status: status, rec: rec}, nil
}

// event adds a history event recorded as done by the admin.
func (rs *resolving) event(kind, num, source string, id uint64, oldValue, newValue, detail string) {
	var acct any
	if source != "" {
		acct = id
	}
	addEvent(&rs.events, rs.now, rs.r.By, kind, num, source, acct, oldValue, newValue, detail)
}

// apply does what the decision says about the two persons, and finds the
// other open conflicts between them that it settles as well.
func (rs *resolving) apply(ctx context.Context) error {
	switch rs.r.As {
	case ResolveIgnore:
		return nil
	case ResolveDistinct:
		if err := rs.distinct(ctx); err != nil {
			return err
		}
	case ResolveMerge:
		if err := rs.merge(ctx); err != nil {
			return err
		}
	}
	pair := []string{rs.sd.account, rs.sd.other}
	if rs.res.Survivor != "" {
		pair = []string{rs.res.Survivor, rs.res.Survivor}
	}
	var err error
	rs.res.Also, err = pairConflicts(ctx, rs.tx, rs.c.ID, pair[0], pair[1], rs.res.Retired)
	if err != nil || rs.res.Retired == "" {
		return err
	}
	rs.res.SettledDistinct, err = rs.settleDistinct(ctx, rs.res.Survivor)
	return err
}

// distinct records the conflict's two persons as different.
func (rs *resolving) distinct(ctx context.Context) error {
	c, sd := rs.c, rs.sd
	if sd.account == "" || sd.other == "" || sd.account == sd.other {
		return fmt.Errorf("%w: conflict %d (%s) is not about two persons: merge it into a person or ignore it", ErrCannotResolve, c.ID, c.Kind)
	}
	a, b := min(sd.account, sd.other), max(sd.account, sd.other)
	if _, err := rs.tx.ExecContext(ctx, `INSERT IGNORE INTO distinct_pairs (number_a, number_b, decided_by, decided_at, note) VALUES (?, ?, ?, ?, ?)`,
		a, b, text.Clip(rs.r.By, 128), rs.now, nullIf(rs.r.Note)); err != nil {
		return fmt.Errorf("record distinct pair: %w", err)
	}
	rs.res.Distinct = []string{a, b}
	rs.event("distinct", a, "", 0, "", b, fmt.Sprintf("%s and %s are different persons (conflict #%d)", a, b, c.ID))
	rs.event("distinct", b, "", 0, "", a, fmt.Sprintf("%s and %s are different persons (conflict #%d)", b, a, c.ID))
	return nil
}

// closeConflicts closes the conflict and those the decision settled with
// it, each with its history event.
func (rs *resolving) closeConflicts(ctx context.Context) error {
	c, r := rs.c, rs.r
	detail := func(id uint64) string {
		d := fmt.Sprintf("conflict #%d (%s) %s as %s by %s", id, c.Kind, rs.status, r.As, r.By)
		if id != c.ID {
			d = fmt.Sprintf("conflict #%d settled together with #%d as %s by %s", id, c.ID, r.As, r.By)
		}
		if r.Note != "" {
			d += ": " + r.Note
		}
		return d
	}
	const set = `status = ?, resolution = ?, resolved_by = ?, resolved_at = ?, note = ?`
	if _, err := closeOpen(ctx, rs.tx, []uint64{c.ID}, set, rs.status, r.As, text.Clip(r.By, 128), rs.now, nullIf(r.Note)); err != nil {
		return err
	}
	if _, err := closeOpen(ctx, rs.tx, rs.res.Also, set, "resolved", r.As, text.Clip(r.By, 128), rs.now, nullIf(r.Note)); err != nil {
		return err
	}
	involved := uniqueNonEmpty(rs.sd.account, rs.sd.other, rs.res.Survivor)
	if len(involved) == 0 {
		involved = []string{""} // a conflict about an unlinked account only
	}
	for _, n := range involved {
		rs.event("conflict_resolved", n, c.Source, c.AccountID, c.Kind, r.As, detail(c.ID))
	}
	for _, id := range rs.res.Also {
		rs.event("conflict_resolved", involved[0], "", 0, "", r.As, detail(id))
	}
	return nil
}

// result is what Resolve reports: the conflict as it is now, and what the
// decision did.
func (rs *resolving) result() Resolved {
	res := rs.res
	res.Conflict = rs.c
	res.Conflict.Status, res.Conflict.Resolution, res.Conflict.ResolvedBy, res.Conflict.Note = rs.status, rs.r.As, rs.r.By, rs.r.Note
	now := rs.now
	res.Conflict.ResolvedAt = &now
	if res.Survivor != "" {
		res.Conflict.AccountNumber = res.Survivor
	}
	return res
}

// conflictSides finds the persons of a conflict: the one its account is
// linked to, and the other one it names (its number, else a number found
// in its value), each followed to the survivor of later merges.
func conflictSides(ctx context.Context, tx *sql.Tx, c ConflictView) (sides, error) {
	var sd sides
	err := tx.QueryRowContext(ctx, `SELECT number FROM accounts WHERE source = ? AND account_id = ? FOR UPDATE`, c.Source, c.AccountID).Scan(&sd.account)
	if err != nil && err != sql.ErrNoRows {
		return sd, fmt.Errorf("read account %s: %w", c.Account, err)
	}
	for _, n := range []string{c.Number, c.Value} {
		if n == "" {
			continue
		}
		p, err := lockPerson(ctx, tx, n)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return sd, err
		}
		if p.status == "retired" && p.mergedInto != "" {
			n = p.mergedInto
		}
		if n != sd.account {
			sd.other = n
			break
		}
	}
	return sd, nil
}

// pairConflicts returns the other open conflicts between persons a and b
// (or about a person and a number retired into it) that a decision about
// the pair settles: shared mailboxes and suspected duplicates.
func pairConflicts(ctx context.Context, tx *sql.Tx, except uint64, a, b, retired string) ([]uint64, error) {
	if a == "" || b == "" {
		return nil, nil
	}
	others := []any{a, b}
	if retired != "" {
		others = append(others, retired)
	}
	var ids []uint64
	q := `SELECT c.id FROM conflicts c JOIN accounts ac ON ac.source = c.source AND ac.account_id = c.account_id
 WHERE c.status = 'open' AND c.id <> ? AND c.kind IN (?, ?) AND ac.number IN (?, ?) AND c.number IN (?, ?` + strings.Repeat(", ?", len(others)-2) + `)
 ORDER BY c.id FOR UPDATE`
	args := append([]any{except, string(keysync.ConflictSharedEmail), string(keysync.ConflictSuspectedDuplicate), a, b}, others...)
	err := sqlutil.Each(ctx, tx, q, args, func(rows *sql.Rows) error {
		var id uint64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read related conflicts: %w", err)
	}
	return ids, nil
}

func uniqueNonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
