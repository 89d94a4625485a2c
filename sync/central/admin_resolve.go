package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	var res Resolved
	switch r.As {
	case ResolveDistinct, ResolveMerge, ResolveIgnore:
	default:
		return res, fmt.Errorf("%w: unknown resolution %q", ErrCannotResolve, r.As)
	}
	if r.As != ResolveMerge && r.Into != "" {
		return res, fmt.Errorf("%w: a survivor is chosen only for a merge", ErrCannotResolve)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return res, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	sums := newAccountSums(tx)
	if _, _, _, err := s.lockSequences(ctx, tx, 0); err != nil {
		return res, err
	}
	c, err := readConflict(ctx, tx, r.ID, " FOR UPDATE")
	if err != nil {
		return res, err
	}
	if c.Status != "open" {
		when := ""
		if c.ResolvedAt != nil {
			when = " on " + c.ResolvedAt.Format("2006-01-02 15:04 MST")
		}
		return res, fmt.Errorf("conflict %d: %w: it was %s (%s) by %s%s", r.ID, ErrNotOpen, c.Status, c.Resolution, c.ResolvedBy, when)
	}
	sd, err := conflictSides(ctx, tx, c)
	if err != nil {
		return res, err
	}
	now := s.now()
	ev := eventInsert()
	event := func(kind, num, source string, id uint64, oldValue, newValue, detail string) {
		var acct any
		if source != "" {
			acct = id
		}
		ev.add(now, text.Clip(r.By, 128), kind, nullIf(num), nullIf(source), acct, nullIf(text.Clip(oldValue, 255)), nullIf(text.Clip(newValue, 255)), nullIf(detail))
	}
	status, resolution := "resolved", r.As
	switch r.As {
	case ResolveIgnore:
		status = "ignored"
	case ResolveDistinct:
		if sd.account == "" || sd.other == "" || sd.account == sd.other {
			return res, fmt.Errorf("%w: conflict %d (%s) is not about two persons: merge it into a person or ignore it", ErrCannotResolve, c.ID, c.Kind)
		}
		a, b := min(sd.account, sd.other), max(sd.account, sd.other)
		if _, err := tx.ExecContext(ctx, `INSERT IGNORE INTO distinct_pairs (number_a, number_b, decided_by, decided_at, note) VALUES (?, ?, ?, ?, ?)`,
			a, b, text.Clip(r.By, 128), now, nullIf(r.Note)); err != nil {
			return res, fmt.Errorf("record distinct pair: %w", err)
		}
		res.Distinct = []string{a, b}
		event("distinct", a, "", 0, "", b, fmt.Sprintf("%s and %s are different persons (conflict #%d)", a, b, c.ID))
		event("distinct", b, "", 0, "", a, fmt.Sprintf("%s and %s are different persons (conflict #%d)", b, a, c.ID))
	case ResolveMerge:
		if err := s.merge(ctx, sums, r, c, sd, &res, event); err != nil {
			return res, err
		}
	}
	if r.As != ResolveIgnore {
		pair := []string{sd.account, sd.other}
		if res.Survivor != "" {
			pair = []string{res.Survivor, res.Survivor}
		}
		res.Also, err = pairConflicts(ctx, tx, c.ID, pair[0], pair[1], res.Retired)
		if err != nil {
			return res, err
		}
	}
	detail := func(id uint64) string {
		d := fmt.Sprintf("conflict #%d (%s) %s as %s by %s", id, c.Kind, status, resolution, r.By)
		if id != c.ID {
			d = fmt.Sprintf("conflict #%d settled together with #%d as %s by %s", id, c.ID, resolution, r.By)
		}
		if r.Note != "" {
			d += ": " + r.Note
		}
		return d
	}
	ids := append([]uint64{c.ID}, res.Also...)
	for _, id := range ids {
		st := status
		if id != c.ID {
			st = "resolved"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE conflicts SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ?, note = ?, open_key = NULL WHERE id = ?`,
			st, resolution, text.Clip(r.By, 128), now, nullIf(r.Note), id); err != nil {
			return res, fmt.Errorf("close conflict %d: %w", id, err)
		}
	}
	involved := uniqueNonEmpty(sd.account, sd.other, res.Survivor)
	if len(involved) == 0 {
		involved = []string{""} // a conflict about an unlinked account only
	}
	for _, n := range involved {
		event("conflict_resolved", n, c.Source, c.AccountID, c.Kind, resolution, detail(c.ID))
	}
	for _, id := range res.Also {
		event("conflict_resolved", involved[0], "", 0, "", resolution, detail(id))
	}
	if err := ev.exec(ctx, tx); err != nil {
		return res, err
	}
	if err := sums.flush(ctx); err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	res.Conflict = c
	res.Conflict.Status, res.Conflict.Resolution, res.Conflict.ResolvedBy, res.Conflict.Note = status, resolution, r.By, r.Note
	res.Conflict.ResolvedAt = &now
	if res.Survivor != "" {
		res.Conflict.AccountNumber = res.Survivor
	}
	return res, nil
}

// merge makes the conflict's two persons one, or links the conflict's
// unlinked account to the chosen person.
func (s *Store) merge(ctx context.Context, sums *accountSums, r Resolution, c ConflictView, sd sides, res *Resolved,
	event func(kind, num, source string, id uint64, oldValue, newValue, detail string)) error {
	tx := sums.tx
	now := s.now()
	into := r.Into
	if into != "" {
		p, err := lockPerson(ctx, tx, into)
		if err != nil {
			return err
		}
		if p.status == "retired" {
			into = p.mergedInto
		}
	}
	if sd.account == "" {
		// The account was never linked: link it to the person.
		if into == "" {
			into = sd.other
		}
		if into == "" {
			return fmt.Errorf("%w: conflict %d (%s) names no person to merge into: choose one (--into NUMBER)", ErrCannotResolve, c.ID, c.Kind)
		}
		if r.Account == nil {
			return ErrNeedsAccount
		}
		if r.Account.Account.Source != c.Source || r.Account.Account.ID != c.AccountID {
			return fmt.Errorf("%w: portal row %s given for conflict about %s", ErrCannotResolve, r.Account.Account.Key(), c.Account)
		}
		b := newBatch()
		b.account(*r.Account, keysync.Person{Number: into}, now)
		if err := sums.insertAccounts(ctx, &b.accounts); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET pending_write = 1 WHERE source = ? AND account_id = ?`, c.Source, c.AccountID); err != nil {
			return fmt.Errorf("mark account: %w", err)
		}
		res.Survivor, res.Moved = into, []string{c.Account}
		event("linked", into, c.Source, c.AccountID, r.Account.Account.Number, into,
			fmt.Sprintf("linked by %s resolving conflict #%d (%s)", r.By, c.ID, c.Kind))
		return nil
	}
	if sd.other == "" || sd.other == sd.account {
		if into == "" || into == sd.account {
			return fmt.Errorf("%w: conflict %d (%s) is about one person only (%s): nothing to merge; ignore it once the portal row is right", ErrCannotResolve, c.ID, c.Kind, sd.account)
		}
		return fmt.Errorf("%w: --into %s is not a person of conflict %d (%s)", ErrCannotResolve, r.Into, c.ID, sd.account)
	}
	survivor, loser := sd.other, sd.account
	switch into {
	case "", sd.other:
	case sd.account:
		survivor, loser = sd.account, sd.other
	default:
		return fmt.Errorf("%w: --into %s is neither person of conflict %d (%s, %s)", ErrCannotResolve, r.Into, c.ID, sd.account, sd.other)
	}
	var moved []string
	var keys []accountKey
	err := sqlutil.Each(ctx, tx, `SELECT source, account_id FROM accounts WHERE number = ? ORDER BY source, account_id FOR UPDATE`, []any{loser}, func(rows *sql.Rows) error {
		var k accountKey
		err := rows.Scan(&k.source, &k.id)
		keys = append(keys, k)
		moved = append(moved, keysync.AccountKey(k.source, k.id))
		return err
	})
	if err != nil {
		return fmt.Errorf("read accounts of %s: %w", loser, err)
	}
	if err := eachSource(keys, func(source string, ids []uint64) error { return sums.remove(ctx, source, ids) }); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET number = ?, pending_write = 1 WHERE number = ?`, survivor, loser); err != nil {
		return fmt.Errorf("move accounts: %w", err)
	}
	if err := eachSource(keys, func(source string, ids []uint64) error { return sums.add(ctx, source, ids) }); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET status = 'retired', merged_into = ?, updated_at = ? WHERE number = ?`, survivor, now, loser); err != nil {
		return fmt.Errorf("retire %s: %w", loser, err)
	}
	// Numbers merged into the loser earlier now point at the survivor, so
	// one look-up always finds the living person.
	if _, err := tx.ExecContext(ctx, `UPDATE persons SET merged_into = ?, updated_at = ? WHERE merged_into = ?`, survivor, now, loser); err != nil {
		return fmt.Errorf("repoint merged numbers: %w", err)
	}
	res.Survivor, res.Retired, res.Moved = survivor, loser, moved
	list := strings.Join(moved, ", ")
	event("merged", survivor, "", 0, loser, survivor, fmt.Sprintf("%s merged into %s by %s (conflict #%d); accounts moved: %s", loser, survivor, r.By, c.ID, list))
	event("merged", loser, "", 0, loser, survivor, fmt.Sprintf("retired: merged into %s by %s (conflict #%d); never handed out again", survivor, r.By, c.ID))
	for _, k := range keys {
		event("account_moved", survivor, k.source, k.id, loser, survivor, "moved from "+loser+"; the portal row gets "+survivor+" on the next pass")
	}
	return nil
}

type lockedPerson struct {
	number, status, mergedInto string
}

// lockPerson reads a person for update; a retired one names its survivor.
func lockPerson(ctx context.Context, tx *sql.Tx, number string) (lockedPerson, error) {
	p := lockedPerson{number: number}
	err := tx.QueryRowContext(ctx, `SELECT status, COALESCE(merged_into, '') FROM persons WHERE number = ? FOR UPDATE`, number).Scan(&p.status, &p.mergedInto)
	if err == sql.ErrNoRows {
		return p, fmt.Errorf("person %s: %w", number, ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("read person %s: %w", number, err)
	}
	return p, nil
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
