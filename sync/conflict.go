package keysync

import (
	"context"
	"fmt"
	"log/slog"
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
)

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
}

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
