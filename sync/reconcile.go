package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Link is one central account link as a reconciliation compares it with
// the portal row: the person's values and what keysync knows of the row.
type Link struct {
	AccountID uint64
	// Number, HH and PE are the linked person's values.
	Number, HH, PE string
	// Status is the account's central status: StatusActive, ...
	Status string
	// Written is true once keysync recorded a write-back into the row, so
	// that an empty number column means someone removed it.
	Written bool
}

// StatusChange moves an account to another central status.
type StatusChange struct {
	AccountID uint64
	Number    string
	From, To  string
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
	Kind      ConflictKind
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
	Conflicts []Conflict
}

func (r Reconciled) empty() bool {
	return len(r.Status) == 0 && len(r.Repairs) == 0 && len(r.Resolve) == 0 && len(r.Conflicts) == 0
}

// ReconcileStore is the central store as a reconciliation needs it: the
// normal store for adoptions, write-backs and conflicts, and the walk over
// the links of one source.
type ReconcileStore interface {
	Store

	// LockReconcile takes the reconciliation lock of a source, held across
	// hosts until release is called. It fails at once with an error
	// wrapping ErrReconcileBusy when another process holds it. The returned
	// context, derived from ctx, ends with cause ErrReconcileLockLost when
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
	OpenConflictPage(ctx context.Context, source string, kinds []ConflictKind, afterAccount, afterID uint64, limit int) ([]OpenConflict, error)

	// Reconcile records status changes, repairs, resolved and new
	// conflicts, and returns the conflicts as RecordConflicts does.
	Reconcile(ctx context.Context, source string, r Reconciled) ([]RecordedConflict, error)
}

// Duplicate is a number found on more than one row of one portal.
type Duplicate struct {
	Number string
	// IDs are the rows carrying it, in id order; at most DuplicateIDs.
	IDs []uint64
	// Rows is how many rows carry it.
	Rows int
}

// DuplicateFinder is implemented by sources that can list the numbers
// carried by more than one of their rows with one query on their own
// database (TYPO3: GROUP BY on the indexed number column; WordPress: on the
// meta values of the number key). That sees every row, linked or not,
// without keeping the numbers of a whole portal in memory.
type DuplicateFinder interface {
	// Duplicates returns up to limit numbers greater than after, in the
	// order of the portal's collation, each carried by more than one row
	// that is not deleted.
	Duplicates(ctx context.Context, after string, limit int) ([]Duplicate, error)
}

// KeySweeper is implemented by sources that can read their rows the lean
// way a reconciliation needs: like Sweep, but each Account holds only ID,
// Active, Deleted, Number, HH and PE. The walk then reads a few dozen bytes
// per row, and the whole row only of the few rows it hands to a decision.
type KeySweeper interface {
	SweepKeys(ctx context.Context, after uint64, limit int, now time.Time) ([]Account, error)
}

// autoResolved are the conflict kinds a reconciliation closes when the
// drift behind them is gone: each says "this row holds that value", which
// the walk sees. Review cases (shared e-mail, suspected duplicates) and
// duplicate numbers stay for an admin.
var autoResolved = []ConflictKind{ConflictNumberMismatch, ConflictWibisoftMismatch, ConflictInvalidNumber, ConflictNumberTaken}

// Reconciler walks every account of a portal against the central record,
// reports drift, and with repair sets it right. Memory stays bounded by
// the batch size whatever the size of the portal: both sides are read in
// pages in id order and merged.
type Reconciler struct {
	Store ReconcileStore
	// BatchSize is how many ids one step handles: one central transaction
	// of status changes, one write-back, one rewrite at most.
	BatchSize int
	// ReadSize is how many rows one query reads from either side, at least
	// BatchSize; 0 means DefaultReadSize. Lean rows are small, so reading
	// more per query costs little memory and saves round trips.
	ReadSize int
	Logger   *slog.Logger
	// Now is the clock, for the TYPO3 starttime/endtime window and reports.
	Now func() time.Time
	// RangeSize is how many ids one range checksum covers; 0 means
	// RangeSize.
	RangeSize uint64
	// Full walks every row, never comparing ranges by their checksums.
	Full bool
	// Hard, when set, bounds the work inside one step: cancelling Run's
	// ctx then stops between steps, so that a step finishes cleanly.
	Hard context.Context
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) batchSize() int {
	if r.BatchSize <= 0 {
		return 500
	}
	return r.BatchSize
}

// DefaultReadSize is the rows per query of a reconciliation's reads.
const DefaultReadSize = 5000

func (r *Reconciler) readSize() int {
	n := r.ReadSize
	if n <= 0 {
		n = DefaultReadSize
	}
	return max(n, r.batchSize())
}

func (r *Reconciler) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

// Run reconciles one portal. Without repair nothing is written into the
// portal: drift is reported, conflicts are recorded, and the central record
// learns what it can decide alone (account states, adopted numbers). With
// repair the portal gets the missing values written and edited ones
// restored, each compare-and-set. Only one reconciliation of a source runs
// at a time, across hosts; a second one fails with ErrReconcileBusy.
//
// The report is complete also when Run fails; its Status says failed.
func (r *Reconciler) Run(ctx context.Context, p Portal, repair bool) (Report, error) {
	start := time.Now()
	name := p.Source.Name()
	rep := newReport(name, repair, r.now())
	log := r.logger().With(LogSource, name)
	hard := r.Hard
	if hard == nil {
		hard = ctx
	}
	fail := func(err error) (Report, error) {
		err = fmt.Errorf("%s: %w", name, err)
		rep.finish(err, time.Since(start))
		return rep, err
	}

	locked, release, err := r.Store.LockReconcile(hard, name)
	if err != nil {
		return fail(err)
	}
	defer release()
	id, err := r.Store.StartReconcile(locked, name, repair)
	if err != nil {
		return fail(err)
	}
	log.Info("reconciliation started", LogRepair, repair)

	w := &walk{r: r, p: p, name: name, repair: repair, rep: &rep, log: log, work: locked}
	// By range checksums where source and store can compute them, else
	// the whole portal is walked.
	summed, err := w.ranged(ctx)
	if !summed {
		err = w.run(ctx)
	}
	w.rep.RowsWalked, w.rep.LinksWalked = w.rep.Rows-w.rep.RowsSummed, w.rep.Links-w.rep.LinksSummed
	if err == nil {
		err = w.duplicates(ctx)
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if err != nil && locked.Err() != nil {
		err = errors.Join(err, context.Cause(locked))
	}
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
	}
	rep.finish(err, time.Since(start))
	log.Log(context.Background(), levelOf(rep), "reconciliation finished", rep.LogAttrs()...)
	// The report is stored even when the walk failed, unless the central
	// database itself is what failed.
	if ferr := r.Store.FinishReconcile(context.WithoutCancel(hard), id, rep); ferr != nil {
		log.Error("store reconciliation report", LogErr, ferr.Error())
		if err == nil {
			err = fmt.Errorf("%s: store report: %w", name, ferr)
			rep.finish(err, time.Since(start))
		}
	}
	return rep, err
}

func levelOf(r Report) slog.Level {
	switch r.Status {
	case ReconcileFailed:
		return slog.LevelError
	case ReconcileConflicts:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
