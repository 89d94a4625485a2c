package central

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// merge makes the conflict's two persons one, or links the conflict's
// unlinked account to the chosen person.
func (rs *resolving) merge(ctx context.Context) error {
	if err := rs.refuseForgotten(ctx, rs.sd.account, rs.sd.other, rs.r.Into); err != nil {
		return err
	}
	into, err := rs.chosen(ctx)
	if err != nil {
		return err
	}
	if rs.sd.account == "" {
		return rs.linkAccount(ctx, into)
	}
	survivor, loser, err := rs.survivor(into)
	if err != nil {
		return err
	}
	return rs.mergePersons(ctx, survivor, loser)
}

// chosen is the survivor the admin chose (--into), followed to the person
// it was merged into since; "" when none was chosen.
func (rs *resolving) chosen(ctx context.Context) (string, error) {
	into := rs.r.Into
	if into == "" {
		return "", nil
	}
	p, err := lockPerson(ctx, rs.tx, into)
	if err != nil {
		return "", err
	}
	if p.status == "retired" {
		into = p.mergedInto
	}
	return into, nil
}

// linkAccount links the conflict's account, which was never linked, to the
// chosen person or else the one the conflict names; the portal row gets
// the person's values on the next pass.
func (rs *resolving) linkAccount(ctx context.Context, into string) error {
	c, r := rs.c, rs.r
	if into == "" {
		into = rs.sd.other
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
	ps, err := rs.rec.person(ctx, into)
	if err != nil {
		return err
	}
	a := r.Account.Account
	changed := changeTime(a, rs.now)
	ps.country = r.Account.Profile.Country
	ps.apply(accountKey{a.Source, a.ID}, accountValues(a), a.Status(), changed, true, true)
	b := newBatch()
	note := b.account(*r.Account, keysync.Person{Number: into}, rs.now, changed)
	if err := rs.sums.insertAccounts(ctx, &b.accounts); err != nil {
		return err
	}
	if _, err := rs.tx.ExecContext(ctx, `UPDATE accounts SET pending_write = 1 WHERE source = ? AND account_id = ?`, c.Source, c.AccountID); err != nil {
		return fmt.Errorf("mark account: %w", err)
	}
	rs.res.Survivor, rs.res.Moved = into, []string{c.Account}
	rs.event("linked", into, c.Source, c.AccountID, r.Account.Account.Number, into,
		withNote(fmt.Sprintf("linked by %s resolving conflict #%d (%s)", r.By, c.ID, c.Kind), note))
	return nil
}

// survivor picks which of the conflict's two persons survives: the one
// chosen, by default the other side (the one registered first).
func (rs *resolving) survivor(into string) (survivor, loser string, err error) {
	c, sd := rs.c, rs.sd
	if sd.other == "" || sd.other == sd.account {
		if into == "" || into == sd.account {
			return "", "", fmt.Errorf("%w: conflict %d (%s) is about one person only (%s): nothing to merge; ignore it once the portal row is right", ErrCannotResolve, c.ID, c.Kind, sd.account)
		}
		return "", "", fmt.Errorf("%w: --into %s is not a person of conflict %d (%s)", ErrCannotResolve, rs.r.Into, c.ID, sd.account)
	}
	switch into {
	case "", sd.other:
		return sd.other, sd.account, nil
	case sd.account:
		return sd.account, sd.other, nil
	}
	return "", "", fmt.Errorf("%w: --into %s is neither person of conflict %d (%s, %s)", ErrCannotResolve, rs.r.Into, c.ID, sd.account, sd.other)
}

// mergePersons moves the loser's accounts to the survivor, flagged for a
// rewrite of their portal rows, and retires the loser's number for good.
func (rs *resolving) mergePersons(ctx context.Context, survivor, loser string) error {
	// The records first: persons are locked before their accounts.
	if err := rs.rec.load(ctx, []string{survivor, loser}); err != nil {
		return err
	}
	keys, err := rs.moveAccounts(ctx, survivor, loser)
	if err != nil {
		return err
	}
	rs.mergeRecords(survivor, loser)
	if _, err := rs.tx.ExecContext(ctx, `UPDATE persons SET status = 'retired', merged_into = ?, updated_at = ? WHERE number = ?`, survivor, rs.now, loser); err != nil {
		return fmt.Errorf("retire %s: %w", loser, err)
	}
	// Numbers merged into the loser earlier now point at the survivor, so
	// one look-up always finds the living person; a sink shows that too.
	err = sqlutil.Each(ctx, rs.tx, `SELECT number FROM persons WHERE merged_into = ?`, []any{loser}, func(rows *sql.Rows) error {
		var n string
		err := rows.Scan(&n)
		rs.repointed = append(rs.repointed, n)
		return err
	})
	if err != nil {
		return fmt.Errorf("read numbers merged into %s: %w", loser, err)
	}
	if _, err := rs.tx.ExecContext(ctx, `UPDATE persons SET merged_into = ?, updated_at = ? WHERE merged_into = ?`, survivor, rs.now, loser); err != nil {
		return fmt.Errorf("repoint merged numbers: %w", err)
	}
	moved := make([]string, len(keys))
	for i, k := range keys {
		moved[i] = keysync.AccountKey(k.source, k.id)
	}
	rs.res.Survivor, rs.res.Retired, rs.res.Moved = survivor, loser, moved
	r, c := rs.r, rs.c
	rs.event("merged", survivor, "", 0, loser, survivor, fmt.Sprintf("%s merged into %s by %s (conflict #%d); accounts moved: %s", loser, survivor, r.By, c.ID, strings.Join(moved, ", ")))
	rs.event("merged", loser, "", 0, loser, survivor, fmt.Sprintf("retired: merged into %s by %s (conflict #%d); never handed out again", survivor, r.By, c.ID))
	for _, k := range keys {
		rs.event("account_moved", survivor, k.source, k.id, loser, survivor, "moved from "+loser+"; the portal row gets "+survivor+" on the next pass")
	}
	return nil
}

// mergeRecords gives the survivor the retired person's accounts and, field
// by field, the more recent of the two values; the retired person's
// record stays as it was.
func (rs *resolving) mergeRecords(survivor, loser string) {
	s, l := rs.rec.states[survivor], rs.rec.states[loser]
	if s == nil || l == nil {
		return
	}
	s.accounts = append(s.accounts, l.accounts...)
	s.merge(l.rec, rs.now)
}

// moveAccounts links the loser's accounts to the survivor and flags them
// for a rewrite, keeping their checksums, and returns them.
func (rs *resolving) moveAccounts(ctx context.Context, survivor, loser string) ([]accountKey, error) {
	var keys []accountKey
	err := sqlutil.Each(ctx, rs.tx, `SELECT source, account_id FROM accounts WHERE number = ? ORDER BY source, account_id FOR UPDATE`, []any{loser}, func(rows *sql.Rows) error {
		var k accountKey
		err := rows.Scan(&k.source, &k.id)
		keys = append(keys, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read accounts of %s: %w", loser, err)
	}
	if err := eachSource(keys, func(source string, ids []uint64) error { return rs.sums.remove(ctx, source, ids) }); err != nil {
		return nil, err
	}
	if _, err := rs.tx.ExecContext(ctx, `UPDATE accounts SET number = ?, pending_write = 1 WHERE number = ?`, survivor, loser); err != nil {
		return nil, fmt.Errorf("move accounts: %w", err)
	}
	if err := eachSource(keys, func(source string, ids []uint64) error { return rs.sums.add(ctx, source, ids) }); err != nil {
		return nil, err
	}
	return keys, nil
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

// refuseForgotten refuses a merge that involves a forgotten person: its
// number stays its own, and nothing is linked to it again.
func (rs *resolving) refuseForgotten(ctx context.Context, numbers ...string) error {
	for _, n := range uniqueNonEmpty(numbers...) {
		var forgotten bool
		err := rs.tx.QueryRowContext(ctx, `SELECT forgotten_at IS NOT NULL FROM persons WHERE number = ?`, n).Scan(&forgotten)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("read person %s: %w", n, err)
		}
		if forgotten {
			return fmt.Errorf("%w: %s was forgotten; nothing is merged into or out of it (ignore the conflict)", ErrCannotResolve, n)
		}
	}
	return nil
}
