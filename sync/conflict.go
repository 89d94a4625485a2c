package keysync

import "fmt"

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
