package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// Erasure (GDPR Art. 17). Forget removes every value keysync holds on a
// person and keeps what the guarantees need: the number and the numbers
// merged into it (persons rows, retired for ever: never handed out again,
// since the allocator only moves forward and skips reserved values), the
// Wibisoft ids, each account's source, id and status (so that a portal row
// that still exists is recognised and reported, never read into a new
// record), and one history event "forgotten" saying when and by whom.

// ErrCannotForget: the person cannot be forgotten now (an account still
// active or inactive in its portal, a retired number, forgotten already).
var ErrCannotForget = errors.New("cannot forget")

// Forgetting asks to forget one person.
type Forgetting struct {
	Number string
	By     string
	Note   string
	// DryRun reports what would be removed and changes nothing.
	DryRun bool
}

// Forgotten reports a forget: the numbers forgotten, the accounts kept
// with their status, and how many rows of history and conflicts went.
type Forgotten struct {
	Number string    `json:"number"`
	Merged []string  `json:"merged,omitempty"`
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	DryRun bool      `json:"dry_run"`
	// Accounts are the accounts kept, each "source:id" with its status.
	Accounts []ForgottenAccount `json:"accounts"`
	// Events and FieldChanges count the history rows removed; Conflicts
	// the conflicts whose values were removed (open ones are closed).
	Events       int64 `json:"events_removed"`
	FieldChanges int64 `json:"field_changes_removed"`
	Conflicts    int64 `json:"conflicts_cleared"`
}

// ForgottenAccount is an account kept after a forget.
type ForgottenAccount struct {
	Account string                `json:"account"`
	Status  keysync.AccountStatus `json:"status"`
}

// accountDataNull are the columns of accountDataCols that are nullable.
var accountDataNull = map[string]bool{"key_name": true, "key_place": true, "key_birth": true, "key_first_place": true,
	"groups_list": true, "data_hash": true, "data_changed_at": true}

// Forget forgets a person in one transaction: a crash leaves either the
// whole record or the forgotten one. It takes the sequence locks first,
// like Assign and Resolve, so no pass decides about the person meanwhile.
func (s *Store) Forget(ctx context.Context, f Forgetting) (out Forgotten, err error) {
	err = s.retry(ctx, func() (err error) {
		out, err = s.forget(ctx, f)
		return err
	})
	return out, err
}

func (s *Store) forget(ctx context.Context, f Forgetting) (Forgotten, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return Forgotten{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, _, _, err := s.lockSequences(ctx, tx, 0); err != nil {
		return Forgotten{}, err
	}
	fg := &forgetting{tx: tx, sums: newAccountSums(tx), events: eventInsert(),
		res: Forgotten{Number: f.Number, By: f.By, DryRun: f.DryRun, At: s.now(), Accounts: []ForgottenAccount{}}}
	if err := fg.lock(ctx); err != nil {
		return Forgotten{}, err
	}
	if err := fg.count(ctx); err != nil || f.DryRun {
		return fg.res, err
	}
	for _, step := range []func(context.Context) error{fg.eraseAccounts, fg.erasePersons, fg.eraseHistory, fg.eraseConflicts, fg.eraseHouseholds} {
		if err := step(ctx); err != nil {
			return Forgotten{}, err
		}
	}
	addEvent(&fg.events, fg.res.At, f.By, "forgotten", f.Number, "", nil, "", "", fg.detail(f.Note))
	if err := fg.sums.commit(ctx, &fg.events, fg.changed()); err != nil {
		return Forgotten{}, err
	}
	return fg.res, nil
}

// forgetting is one Forget under way.
type forgetting struct {
	tx     *sql.Tx
	sums   *accountSums
	events insert
	res    Forgotten
	// numbers are the person's number and those merged into it, as query
	// arguments; accounts their accounts.
	numbers  []any
	accounts []accountKey
}

// lock locks the person, the numbers merged into it and their accounts,
// and refuses while an account is still active or inactive in its portal.
func (fg *forgetting) lock(ctx context.Context) error {
	n := fg.res.Number
	var status string
	var forgottenAt sql.NullTime
	err := fg.tx.QueryRowContext(ctx, `SELECT status, forgotten_at FROM persons WHERE number = ? FOR UPDATE`, n).Scan(&status, &forgottenAt)
	if err == sql.ErrNoRows {
		return fmt.Errorf("person %s: %w", n, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("read person %s: %w", n, err)
	}
	switch {
	case forgottenAt.Valid:
		return fmt.Errorf("%w %s: forgotten already on %s", ErrCannotForget, n, forgottenAt.Time.UTC().Format("2006-01-02"))
	case status == "retired":
		return fmt.Errorf("%w %s: the number is retired and merged into another person; forget that person", ErrCannotForget, n)
	}
	fg.numbers = []any{n}
	err = sqlutil.Each(ctx, fg.tx, `SELECT number FROM persons WHERE merged_into = ? ORDER BY number FOR UPDATE`, []any{n}, func(rows *sql.Rows) error {
		var m string
		err := rows.Scan(&m)
		fg.numbers = append(fg.numbers, m)
		fg.res.Merged = append(fg.res.Merged, m)
		return err
	})
	if err != nil {
		return fmt.Errorf("read numbers merged into %s: %w", n, err)
	}
	return fg.lockAccounts(ctx)
}

// lockAccounts locks the accounts of the numbers and refuses while one is
// still active or inactive.
func (fg *forgetting) lockAccounts(ctx context.Context) error {
	var live []string
	err := sqlutil.Each(ctx, fg.tx, `SELECT source, account_id, status FROM accounts WHERE number IN (`+sqlutil.Placeholders(len(fg.numbers))+`)
 ORDER BY source, account_id FOR UPDATE`, fg.numbers, func(rows *sql.Rows) error {
		var k accountKey
		var st keysync.AccountStatus
		if err := rows.Scan(&k.source, &k.id, &st); err != nil {
			return err
		}
		fg.accounts = append(fg.accounts, k)
		fg.res.Accounts = append(fg.res.Accounts, ForgottenAccount{keysync.AccountKey(k.source, k.id), st})
		if st == keysync.StatusActive || st == keysync.StatusInactive {
			live = append(live, keysync.AccountKey(k.source, k.id)+" ("+string(st)+")")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read accounts of %s: %w", fg.res.Number, err)
	}
	if len(live) > 0 {
		return fmt.Errorf("%w %s: accounts still in their portals: %s; delete them there first (the portals own the data)",
			ErrCannotForget, fg.res.Number, strings.Join(live, ", "))
	}
	return nil
}

// changed are the numbers forgotten, which the change feed carries to the
// sinks in the forget's transaction: they remove the person on their next
// delivery.
func (fg *forgetting) changed() []string {
	out := make([]string, len(fg.numbers))
	for i, n := range fg.numbers {
		out[i] = n.(string)
	}
	return out
}

// numbersIn is "number IN (...)" over the numbers, for column col.
func (fg *forgetting) numbersIn(col string) string {
	return col + ` IN (` + sqlutil.Placeholders(len(fg.numbers)) + `)`
}

// accountsIn is "(source, account_id) IN (...)" over the accounts, and
// its arguments; "FALSE" without accounts.
func (fg *forgetting) accountsIn() (string, []any) {
	if len(fg.accounts) == 0 {
		return "FALSE", nil
	}
	args := make([]any, 0, 2*len(fg.accounts))
	for _, k := range fg.accounts {
		args = append(args, k.source, k.id)
	}
	return `(source, account_id) IN (` + sqlutil.Rows(len(fg.accounts), 2) + `)`, args
}

// count counts the history and conflict rows the forget removes or clears.
func (fg *forgetting) count(ctx context.Context) error {
	events, eventArgs := fg.eventsGone()
	conflicts, conflictArgs := fg.conflictsOf()
	for _, c := range []struct {
		q    string
		args []any
		dest *int64
	}{
		{`SELECT COUNT(*) FROM events WHERE ` + events, eventArgs, &fg.res.Events},
		{`SELECT COUNT(*) FROM field_changes WHERE ` + fg.numbersIn("number"), fg.numbers, &fg.res.FieldChanges},
		{`SELECT COUNT(*) FROM conflicts WHERE ` + conflicts, conflictArgs, &fg.res.Conflicts},
	} {
		if err := fg.tx.QueryRowContext(ctx, c.q, c.args...).Scan(c.dest); err != nil {
			return fmt.Errorf("count what %s holds: %w", fg.res.Number, err)
		}
	}
	return nil
}

// eraseAccounts empties the accounts' values, keeping source, id, status
// and the ids' copy, and keeping the checksums. copied_from is cleared, so
// that the account's range differs from its portal once and the next
// reconciliation walks it and reports a row that still exists.
func (fg *forgetting) eraseAccounts(ctx context.Context) error {
	set := make([]string, 0, len(accountDataCols)+6)
	for _, c := range accountDataCols {
		if accountDataNull[c] {
			set = append(set, c+" = NULL")
		} else {
			set = append(set, c+" = ''")
		}
	}
	set = append(set, "registered_at = NULL", "written_at = NULL", "pending_write = 0", "copied_from = NULL", "forgotten_at = ?")
	q := `UPDATE accounts SET ` + strings.Join(set, ", ") + ` WHERE ` + fg.numbersIn("number")
	return eachSource(fg.accounts, func(source string, ids []uint64) error {
		return fg.sums.rewrite(ctx, source, ids, func() error {
			_, err := fg.tx.ExecContext(ctx, q+` AND source = ?`, append(append([]any{fg.res.At}, fg.numbers...), source)...)
			if err != nil {
				return fmt.Errorf("erase accounts: %w", err)
			}
			return nil
		})
	})
}

// erasePersons empties the persons' identity and record; the person
// becomes forgotten, the numbers merged into it stay retired.
func (fg *forgetting) erasePersons(ctx context.Context) error {
	q := `UPDATE persons SET first_name = '', last_name = '', email = '', first_norm = '', last_norm = '', email_norm = '',
 birth_date = '', household_key = '', record = NULL, record_changed_at = NULL, forgotten_at = ?, updated_at = ?,
 status = IF(number = ?, 'forgotten', status) WHERE ` + fg.numbersIn("number")
	if _, err := fg.tx.ExecContext(ctx, q, append([]any{fg.res.At, fg.res.At, fg.res.Number}, fg.numbers...)...); err != nil {
		return fmt.Errorf("erase persons: %w", err)
	}
	return nil
}

// eraseHistory removes the field history and the events of the numbers
// and accounts. Events of other accounts that name a forgotten number (a
// conflict about another registration) stay in that account's history
// without the number.
func (fg *forgetting) eraseHistory(ctx context.Context) error {
	if _, err := fg.tx.ExecContext(ctx, `DELETE FROM field_changes WHERE `+fg.numbersIn("number"), fg.numbers...); err != nil {
		return fmt.Errorf("erase field history: %w", err)
	}
	events, args := fg.eventsGone()
	if _, err := fg.tx.ExecContext(ctx, `DELETE FROM events WHERE `+events, args...); err != nil {
		return fmt.Errorf("erase events: %w", err)
	}
	if _, err := fg.tx.ExecContext(ctx, `UPDATE events SET number = NULL WHERE `+fg.numbersIn("number"), fg.numbers...); err != nil {
		return fmt.Errorf("erase events: %w", err)
	}
	return nil
}

// eventsGone is the condition of the events a forget removes, and its
// arguments: those of the numbers that name no account or one of the
// accounts, and every event of the accounts.
func (fg *forgetting) eventsGone() (string, []any) {
	accts, args := fg.accountsIn()
	return `(` + fg.numbersIn("number") + ` AND (source IS NULL OR ` + accts + `)) OR ` + accts,
		append(append(append([]any{}, fg.numbers...), args...), args...)
}

// conflictsOf is the condition of the conflicts that name one of the
// numbers or are of one of the accounts, and its arguments.
func (fg *forgetting) conflictsOf() (string, []any) {
	accts, args := fg.accountsIn()
	return `(` + fg.numbersIn("number") + ` OR ` + accts + `)`, append(append([]any{}, fg.numbers...), args...)
}

// eraseConflicts closes the open conflicts of the accounts and of other
// accounts naming a forgotten number (nobody can decide about the person
// any more), empties the values and notes of the accounts' conflicts and
// the notes of decisions about the person.
func (fg *forgetting) eraseConflicts(ctx context.Context) error {
	conflicts, conflictArgs := fg.conflictsOf()
	var open []uint64
	err := sqlutil.Each(ctx, fg.tx, `SELECT id FROM conflicts WHERE status = 'open' AND `+conflicts+` ORDER BY id`, conflictArgs,
		func(rows *sql.Rows) error {
			var id uint64
			err := rows.Scan(&id)
			open = append(open, id)
			return err
		})
	if err != nil {
		return fmt.Errorf("read open conflicts: %w", err)
	}
	if _, err := closeOpen(ctx, fg.tx, open, `status = 'resolved', resolution = 'forgotten', resolved_at = ?, resolved_by = ?, note = 'the person was forgotten'`,
		fg.res.At, text.Clip(fg.res.By, 128)); err != nil {
		return err
	}
	accts, args := fg.accountsIn()
	if _, err := fg.tx.ExecContext(ctx, `UPDATE conflicts SET value = '', detail = NULL, note = NULL, open_key = NULL WHERE `+accts, args...); err != nil {
		return fmt.Errorf("erase conflicts: %w", err)
	}
	if _, err := fg.tx.ExecContext(ctx, `UPDATE distinct_pairs SET note = NULL WHERE `+fg.numbersIn("number_a")+` OR `+fg.numbersIn("number_b"),
		append(append([]any{}, fg.numbers...), fg.numbers...)...); err != nil {
		return fmt.Errorf("erase decisions: %w", err)
	}
	return nil
}

// eraseHouseholds empties the address key of the persons' households that
// no other person lives in; the household ids stay taken.
func (fg *forgetting) eraseHouseholds(ctx context.Context) error {
	q := `UPDATE households h SET match_key = '' WHERE hh_id IN (SELECT hh_id FROM persons WHERE ` + fg.numbersIn("number") + ` AND hh_id IS NOT NULL)
 AND NOT EXISTS (SELECT 1 FROM persons o WHERE o.hh_id = h.hh_id AND o.forgotten_at IS NULL)`
	if _, err := fg.tx.ExecContext(ctx, q, fg.numbers...); err != nil {
		return fmt.Errorf("erase households: %w", err)
	}
	return nil
}

// detail is the forgotten event's text: by whom, why, and what was kept.
func (fg *forgetting) detail(note string) string {
	d := "forgotten by " + fg.res.By
	if note != "" {
		d += ": " + note
	}
	if len(fg.res.Merged) > 0 {
		d += "; numbers merged into it forgotten with it: " + strings.Join(fg.res.Merged, ", ")
	}
	kept := make([]string, len(fg.res.Accounts))
	for i, a := range fg.res.Accounts {
		kept[i] = a.Account + " " + string(a.Status)
	}
	if len(kept) > 0 {
		d += "; accounts kept: " + strings.Join(kept, ", ")
	}
	return d + "; the number is never handed out again"
}
