package keysync

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"keysync/internal/text"
)

// ConflictKind names a case keysync cannot decide safely on its own.
type ConflictKind string

// Conflict kinds. Each is a row in the central conflicts table and a WARN
// log line; admins read and resolve them.
const (
	// ConflictInvalidNumber: a portal row carries a value that is not a
	// well-formed number with a valid check digit.
	ConflictInvalidNumber ConflictKind = "invalid_number"
	// ConflictNumberTaken: a portal row carries a valid number that belongs
	// to another person.
	ConflictNumberTaken ConflictKind = "number_taken"
	// ConflictNumberMismatch: a linked account's row carries another number
	// than the person's.
	ConflictNumberMismatch ConflictKind = "number_mismatch"
	// ConflictPETaken: a row carries a Wibisoft person id that belongs to
	// another person.
	ConflictPETaken ConflictKind = "pe_taken"
	// ConflictHHTaken: a Wibisoft import row carries a household id that
	// keysync opened for another household.
	ConflictHHTaken ConflictKind = "hh_taken"
	// ConflictSharedEmail: the e-mail address is already used by a person
	// with another first name or birth date, usually a couple's mailbox.
	ConflictSharedEmail ConflictKind = "shared_email"
	// ConflictSuspectedDuplicate: no e-mail match but a fuzzy match, or
	// names that agree with nothing contradicting; one per person named.
	ConflictSuspectedDuplicate ConflictKind = "suspected_duplicate"
	// ConflictWriteBack: the row changed between read and write-back and
	// now holds another value than keysync wanted to write.
	ConflictWriteBack ConflictKind = "writeback_mismatch"
	// ConflictWibisoftMismatch: a linked account's row carries another
	// Wibisoft household or person id than the person's (reconciliation).
	ConflictWibisoftMismatch ConflictKind = "wibisoft_mismatch"
	// ConflictDuplicateNumber: the same customer number is on more than one
	// row of one portal (reconciliation).
	ConflictDuplicateNumber ConflictKind = "duplicate_number"
	// ConflictInvalidWibisoftID: a row carries a Wibisoft household or
	// person id that is no id (CheckWibisoftID); nothing is adopted.
	ConflictInvalidWibisoftID ConflictKind = "invalid_wibisoft_id"
	// ConflictDuplicateMeta: a WordPress user holds one of keysync's meta
	// keys twice with different values (Account.Ambiguous).
	ConflictDuplicateMeta ConflictKind = "duplicate_meta"
	// ConflictRowRefused: the central or the portal database refused the
	// row's values (ErrRowRefused). Its value is the row's fingerprint:
	// the row is skipped while it is unchanged and the conflict open.
	ConflictRowRefused ConflictKind = "row_refused"
	// ConflictForgottenAccount: the portal still holds a row of a person
	// keysync forgot, active again or still carrying the number; keysync
	// reads nothing from it and writes nothing into it.
	ConflictForgottenAccount ConflictKind = "forgotten_account"
)

// ForgottenConflict is the conflict of a portal row linked to a forgotten
// person (number), for Decide and reconciliation alike: a row that is not
// deleted, or that still carries a number, is reported; a deleted row
// without one is none (ok false).
func ForgottenConflict(a Account, number string) (c Conflict, ok bool) {
	var why string
	switch {
	case a.Status() != StatusDeleted:
		why = "the portal row of a forgotten person is " + string(a.Status()) + " again"
	case a.Number != "":
		why = "the portal still keeps the deleted row of a forgotten person, with a number"
	default:
		return Conflict{}, false
	}
	return Conflict{Kind: ConflictForgottenAccount, Source: a.Source, AccountID: a.ID, Value: a.Number, Number: number,
		Detail: why + "; keysync reads nothing from it: remove the row in the portal"}, true
}

// RefusedConflict is the conflict of a row whose values the database
// named by where ("the central database", "the portal") refused.
func RefusedConflict(a Account, where string, err error) Conflict {
	return Conflict{Kind: ConflictRowRefused, Source: a.Source, AccountID: a.ID, Value: a.Fingerprint(),
		Detail: fmt.Sprintf("%s refused the row: %v; keysync skips it until it changes or this conflict is resolved", where, err)}
}

// AmbiguousConflict is the conflict of a row that holds one of keysync's
// keys twice with different values, for Decide and reconciliation alike.
func AmbiguousConflict(a Account) Conflict {
	return Conflict{Kind: ConflictDuplicateMeta, Source: a.Source, AccountID: a.ID, Value: strings.Join(a.Ambiguous, "; "),
		Detail: "the user holds a key of keysync's more than once with different values; keysync writes nothing into the user until the extra rows are deleted"}
}

// Conflict is one undecided case about one account.
type Conflict struct {
	Kind      ConflictKind
	Source    string
	AccountID uint64
	// Value is the value in question as found in the portal (may be empty).
	Value string
	// Number is the customer number of the other person involved, if any.
	Number string
	// Detail explains in one sentence what was found.
	Detail string
	// Rule names which part of the decision raised a review conflict
	// (shared_email, suspected_duplicate; see the Rule constants), so that
	// admins can count and work through them by rule; "" for other kinds.
	Rule string
}

// Rules that raise review conflicts, as the central store keeps them.
const (
	// RuleScore: a fuzzy score at or above the review threshold.
	RuleScore = "score"
	// RuleNamesBirth: the same names and birth date (at another address).
	RuleNamesBirth = "names_birth"
	// RuleFirstBirth: the same first name and birth date, another surname.
	RuleFirstBirth = "first_name_birth"
	// RuleNamesOnly: the same names, nothing else to compare.
	RuleNamesOnly = "names_only"
	// RuleNamesMoved: the same names, no birth date, another address.
	RuleNamesMoved = "names_moved"
	// RuleAlikeNames: one name the same, the other alike, nothing else.
	RuleAlikeNames = "alike_names"
	// RuleMailboxSameNames: a shared mailbox whose names agree; only a
	// birth date is missing to tell the person from a relative.
	RuleMailboxSameNames = "mailbox_same_names"
	// RuleMailboxOther: a shared mailbox of another first name or birth
	// date.
	RuleMailboxOther = "mailbox_other"
)

// MaxConflictValue is how many characters of Value the central store keeps
// (conflicts.value): a portal value can be any length.
const MaxConflictValue = 255

// StoredValue is Value as the central store keeps it. Whoever compares a
// value found now with a stored conflict's compares this, like with like:
// a 70,000-character value never equals its stored first 255 characters.
func (c Conflict) StoredValue() string { return text.Clip(c.Value, MaxConflictValue) }

func (c Conflict) String() string {
	return fmt.Sprintf("%s %s value=%q: %s", c.Kind, AccountKey(c.Source, c.AccountID), c.Value, c.Detail)
}

// RecordedConflict is a conflict as stored centrally.
type RecordedConflict struct {
	Conflict
	// Known is true when the same conflict was already open, so it is not
	// reported as news again.
	Known bool
}

// LogConflict logs a recorded conflict: a warning when it is new, a debug
// line when the same conflict was open already.
func LogConflict(log *slog.Logger, cf RecordedConflict) {
	level := slog.LevelWarn
	msg := "conflict recorded"
	if cf.Known {
		level, msg = slog.LevelDebug, "conflict still open"
	}
	log.Log(context.Background(), level, msg, LogKind, string(cf.Kind), LogUID, cf.AccountID, LogValue, cf.Value, LogNumber, cf.Number, "detail", cf.Detail)
}
