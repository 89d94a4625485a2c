package reconcile

import (
	"context"

	keysync "keysync/sync"
)

// Link is one central account link as a reconciliation compares it with
// the portal row: the person's values and what keysync knows of the row.
type Link struct {
	AccountID uint64
	// Number, HH and PE are the linked person's values.
	Number, HH, PE string
	// Status is the account's central status: keysync.StatusActive, ...
	Status keysync.AccountStatus
	// Written is true once keysync recorded a write-back into the row, so
	// that an empty number column means someone removed it.
	Written bool
	// Forgotten marks an account of a person keysync forgot: its row is
	// never read into the central record, written or restored, only
	// reported while it still exists (keysync.ForgottenConflict).
	Forgotten bool
}

// StatusChange moves an account to another central status.
type StatusChange struct {
	AccountID uint64
	Number    string
	From, To  keysync.AccountStatus
}

// Repair is a portal value a reconciliation restored to the central one;
// the history keeps the value it replaced.
type Repair struct {
	AccountID uint64
	Number    string // the person's number
	Field     string // "number", "hh" or "pe"
	Old, New  string
}

// OpenConflict is an open conflict as a reconciliation rechecks it.
type OpenConflict struct {
	ID        uint64
	Kind      keysync.ConflictKind
	AccountID uint64
	Value     string
}

// Reconciled is what one step of a reconciliation records centrally in one
// transaction, each with its history event.
type Reconciled struct {
	Status  []StatusChange
	Repairs []Repair
	// Resolve are open conflicts whose drift is gone.
	Resolve []OpenConflict
	// Conflicts are drift to record, as RecordConflicts does.
	Conflicts []keysync.Conflict
}

func (r Reconciled) empty() bool {
	return len(r.Status) == 0 && len(r.Repairs) == 0 && len(r.Resolve) == 0 && len(r.Conflicts) == 0
}

// Store is the central store as a reconciliation needs it: the
// normal store for adoptions, write-backs and conflicts, and the walk over
// the links of one source.
type Store interface {
	keysync.Store

	// LockReconcile takes the reconciliation lock of a source, held across
	// hosts until release is called. It fails at once with an error
	// wrapping ErrBusy when another process holds it. The returned
	// context, derived from ctx, ends with cause ErrLockLost when
	// the lock goes away.
	LockReconcile(ctx context.Context, source string) (locked context.Context, release func(), err error)

	// StartReconcile records a running reconciliation (and closes runs a
	// crash left running, which the lock proves dead); FinishReconcile
	// stores its report.
	StartReconcile(ctx context.Context, source string, repair bool) (id uint64, err error)
	FinishReconcile(ctx context.Context, id uint64, r Report) error

	// Links returns up to limit links of a source with an account id
	// greater than after, in account id order.
	Links(ctx context.Context, source string, after uint64, limit int) ([]Link, error)

	// LinkedTo returns the links of a source to any of the numbers (only
	// AccountID and Number need be set).
	LinkedTo(ctx context.Context, source string, numbers []string) ([]Link, error)

	// OpenConflictPage returns up to limit open conflicts of the given kinds
	// of a source after (afterAccount, afterID), in (account id, id) order.
	OpenConflictPage(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID uint64, limit int) ([]OpenConflict, error)

	// Reconcile records status changes, repairs, resolved and new
	// conflicts, and returns the conflicts as RecordConflicts does.
	Reconcile(ctx context.Context, source string, r Reconciled) ([]keysync.RecordedConflict, error)
}
