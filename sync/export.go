package keysync

import (
	"context"
	"iter"
	"time"
)

// PersonRecord is one person's master data as the sinks receive it, keyed
// by the customer number.
type PersonRecord struct {
	Number string
	HH     string
	PE     string
	// Fields are the person's master-data fields, each holding its current
	// value.
	Fields map[Field]string
	// Status says whether the person is still on the lists: a person who
	// left or was merged leaves the address books, and the Excel list marks
	// them instead of dropping them.
	Status PersonStatus
	// Left is when the person stopped being active: the deletion of the
	// last account, or the merge. Zero while active.
	Left time.Time
	// MergedInto is the number that holds a retired person now.
	MergedInto string
	// Wibisoft: Wibisoft knows the person, as a Wibisoft import carried
	// them (an account of WibisoftSource); their HH and PE are Wibisoft's.
	// Otherwise the ids are keysync's, given at a registration, and the
	// file back to Wibisoft offers the person for entry.
	Wibisoft   bool
	Registered time.Time
	// Changed is when the person's record last changed.
	Changed time.Time
}

// Active reports whether the person belongs on the address lists.
func (p PersonRecord) Active() bool { return p.Status == PersonActive }

// PersonStatus is a person's state as the sinks see it.
type PersonStatus string

// Person states.
const (
	// PersonActive: at least one account that is not deleted.
	PersonActive PersonStatus = "active"
	// PersonLeft: every account of the person is deleted or gone.
	PersonLeft PersonStatus = "left"
	// PersonRetired: merged into another person (MergedInto), whose number
	// a sink holds instead.
	PersonRetired PersonStatus = "retired"
	// PersonForgotten: erased on request or by the retention (keysync
	// forget), and the numbers merged into such a person. The record holds
	// the number and nothing else: it leaves the address books, and the
	// Excel list keeps the number marked as forgotten.
	PersonForgotten PersonStatus = "forgotten"
)

// Sink is one downstream system that receives persons' master data keyed
// by the customer number: the Excel master list, Outlook, combit, a
// CardDAV address book, Wibisoft. Each lives in a package of its own under
// sinks/.
//
// A delivery may be repeated (a crash after the sink confirmed but before
// the cursor moved), so a sink must be idempotent: an upsert by number, or
// a whole-file snapshot replaced atomically.
type Sink interface {
	// Name is the configured sink name; the change feed keeps a cursor per
	// name.
	Name() string
	// Snapshot reports whether the sink rewrites all it holds on every
	// delivery, as a file does: it then gets every person whenever any
	// changed, with the changed ones marked. A sink that is not a snapshot
	// (an address book on a server) gets only the changed persons.
	Snapshot() bool
	// Export delivers the persons. Returning without an error confirms the
	// delivery.
	Export(ctx context.Context, d Delivery) (Result, error)
}

// Delivery is what a sink receives in one Export call.
type Delivery struct {
	// Full means Persons are every person, retired and left ones included,
	// and the sink replaces all it holds with them; otherwise they are the
	// persons changed since the last delivery.
	Full bool
	// Persons yields the records; in a full delivery every person in the
	// order of the numbers. They are streamed rather than held, because a
	// full delivery of a million persons must fit in bounded memory.
	Persons iter.Seq2[PersonRecord, error]
	// Changed, in a full delivery, tells the persons changed since the
	// sink's last delivery; nil means every person counts as changed (the
	// first delivery, or one asked to be full).
	Changed func(number string) bool
	// DryRun: work out what would be written, write nothing.
	DryRun bool
}

// IsChanged reports whether the person is new or changed since the sink's
// last delivery.
func (d Delivery) IsChanged(number string) bool {
	return d.Changed == nil || d.Changed(number)
}

// Result is what a delivery did, as the export report shows it.
type Result struct {
	// Written counts the persons written to the target: the rows of a file,
	// the contacts sent to a server.
	Written int
	// Changed counts the persons new or changed since the last delivery.
	Changed int
	// Removed counts the persons taken out of the target because they left
	// or were merged.
	Removed int
	// Where is the file, folder or address book written, never with a
	// password.
	Where string
	// Replaced counts the characters the target's encoding lacks, each
	// written as '?' (a Windows-1252 file), never dropped silently.
	Replaced int
}

// Add sums the counts of another delivery to the same sink.
func (r *Result) Add(o Result) {
	r.Written += o.Written
	r.Changed += o.Changed
	r.Removed += o.Removed
	r.Replaced += o.Replaced
	if o.Where != "" {
		r.Where = o.Where
	}
}

// Change is one entry of the central change sequence: a person whose
// record changed, at a position that only grows.
type Change struct {
	Pos    uint64
	Number string
}

// ChangeFeed is the central change sequence as the exporter reads it.
// Every change a sink cares about gets a position in the same transaction
// as the change, and positions must become visible in order: a reader that
// has seen position n never sees a lower one appear later, or a sink whose
// cursor moved past it would miss that change.
type ChangeFeed interface {
	// Cursor returns the position of the last change the sink confirmed;
	// ok is false when it has confirmed nothing yet.
	Cursor(ctx context.Context, sink string) (pos uint64, ok bool, err error)
	// Changes returns up to limit changes after the position, in order.
	Changes(ctx context.Context, after uint64, limit int) ([]Change, error)
	// Head returns the position of the latest change.
	Head(ctx context.Context) (uint64, error)
	// Persons yields the current records of the persons with the given
	// numbers, retired and left ones included, or of every person in the
	// order of the numbers when numbers is nil. It streams, so that a full
	// export of a million persons holds one at a time.
	Persons(ctx context.Context, numbers []string) iter.Seq2[PersonRecord, error]
	// Confirm moves the sink's cursor to the position, after the sink
	// confirmed every change up to it.
	Confirm(ctx context.Context, sink string, pos uint64) error
}
