package keysync

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoAccount is returned by AssignAccount for an id the source has no
// row for, or none it works on (a TYPO3 row outside the configured
// storage folders), and for a row deleted before its write-back.
var ErrNoAccount = errors.New("no such account")

// AssignStatus says whether an account's row holds its number after
// AssignAccount, and if not, why.
type AssignStatus int

const (
	// Numbered: the number is committed centrally and the row holds it.
	Numbered AssignStatus = iota
	// NotConfirmed: the account is not active (not confirmed yet,
	// disabled, expired or deleted) and its row carries no number to
	// adopt; a pass would leave it alone as well.
	NotConfirmed
	// Withheld: a conflict keeps the number from the row (a number in
	// the row that is invalid or another person's, a column someone else
	// filled first, a value the database refused); Conflicts say which.
	Withheld
)

var assignStatusNames = [...]string{"numbered", "not_confirmed", "withheld"}

func (s AssignStatus) String() string { return nameOf(assignStatusNames[:], int(s)) }

// Assignment is what AssignAccount did for one account.
type Assignment struct {
	Status AssignStatus
	// Action is the decision: keep, link, adopt or new when the account
	// belongs to a person; skip or conflict otherwise.
	Action Action
	// Number, HH and PE are the person's values when the account belongs
	// to one (also when a conflict keeps them from the row).
	Number, HH, PE string
	// Conflicts are those the decision and the write-back recorded for
	// the account, including the ones for review that withhold nothing
	// (shared_email, suspected_duplicate).
	Conflicts []RecordedConflict
	// Kind is, for Withheld, the kind of the conflict that keeps the
	// number from the row; empty for a row that cannot be numbered at all
	// (Reason says why).
	Kind ConflictKind
	// Reason says in one sentence why the account has no number in its
	// row, for NotConfirmed and Withheld.
	Reason string
}

// AssignAccount runs for one account of a portal exactly what a pass runs
// for each row: it reads the row, lets the store decide and commit it
// (the link is committed centrally before anything is written), writes it
// back compare-and-set and records the write-back. It is what a portal
// calls at registration so that the new member has the number at once;
// passes keep running beside it and find the row done. Concurrent calls,
// passes and other daemons are safe for the same reasons passes are among
// themselves.
//
// Errors other than ErrNoAccount are failures of the portal or the central
// database; the number may be committed centrally already, and the next
// pass writes it back.
func (e *Engine) AssignAccount(ctx context.Context, p Portal, id uint64) (Assignment, error) {
	name := p.Source.Name()
	log := e.logger().With(LogSource, name)
	rows, err := p.Source.Accounts(ctx, []uint64{id}, e.now())
	if err != nil {
		return Assignment{}, fmt.Errorf("%s: read account %d: %w", name, id, err)
	}
	if len(rows) != 1 || rows[0].ID != id || rows[0].OutOfScope {
		return Assignment{}, ErrNoAccount
	}
	a := rows[0]
	d, r, err := e.handle(ctx, log, p, rows)
	if err != nil {
		return Assignment{}, err
	}
	if len(d.outcomes) == 0 {
		return Assignment{Status: NotConfirmed, Action: ActionSkip, Reason: notConfirmedReason(a)}, nil
	}
	return assignmentOf(a, d.outcomes[0], r)
}

// notConfirmedReason says why an account gets no number yet.
func notConfirmedReason(a Account) string {
	if a.Deleted {
		return "the account is deleted"
	}
	return "the account is not active: not confirmed yet, disabled or expired"
}

// assignmentOf tells from the decision and the write-back whether the
// row holds the number now.
func assignmentOf(a Account, o Outcome, r writeReport) (Assignment, error) {
	as := Assignment{Action: o.Action, Number: o.Number, HH: o.HH, PE: o.PE,
		Conflicts: append(append([]RecordedConflict{}, o.Conflicts...), r.conflicts[a.ID]...)}
	after, written := r.after[a.ID]
	if written && !after.Found {
		return as, ErrNoAccount
	}
	rowNumber := a.Number
	if written {
		rowNumber = after.Number
	}
	if o.Number != "" && rowNumber == o.Number {
		as.Status = Numbered
		return as, nil
	}
	as.Status = Withheld
	switch {
	case len(r.conflicts[a.ID]) > 0:
		cf := r.conflicts[a.ID][0]
		as.Kind, as.Reason = cf.Kind, cf.Detail
	case len(o.Conflicts) > 0:
		cf := o.Conflicts[0]
		as.Kind, as.Reason = cf.Kind, cf.Detail
	case o.Err != nil:
		as.Reason = o.Err.Error()
	case o.Action == ActionSkip:
		as.Kind = ConflictRowRefused
		as.Reason = "a database refused the row before and it has not changed since; see its open row_refused conflict"
	default:
		as.Reason = "the row does not hold the number"
	}
	return as, nil
}
