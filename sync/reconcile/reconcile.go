// Package reconcile compares every account of a portal with the central
// record and sets drift right: numbers edited or removed in a portal,
// write-backs a crash interrupted, accounts deleted, disabled or gone,
// numbers on two rows, numbers keysync does not know (see Drift).
//
// The engine (package keysync) polls new rows; a reconciliation walks all
// of them, in id order on both sides at once, and where source and store
// can compute checksums per id range (RangeSummer, RangeStore) it walks
// only the ranges whose checksums differ. The interfaces here are what
// the walk needs beyond keysync.Source and keysync.Store; the TYPO3 and
// WordPress sources and the central store implement them.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	keysync "keysync/sync"
)

// autoResolved are the conflict kinds a reconciliation closes when the
// drift behind them is gone: each says "this row holds that value", which
// the walk sees (a forgotten person's row "still exists"). Review cases (shared e-mail, suspected duplicates) and
// duplicate numbers stay for an admin.
var autoResolved = []keysync.ConflictKind{keysync.ConflictNumberMismatch, keysync.ConflictWibisoftMismatch, keysync.ConflictInvalidNumber, keysync.ConflictNumberTaken, keysync.ConflictForgottenAccount}

// Reconciler walks every account of a portal against the central record,
// reports drift, and with repair sets it right. Memory stays bounded by
// the batch size whatever the size of the portal: both sides are read in
// pages in id order and merged.
type Reconciler struct {
	Store Store
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
// at a time, across hosts; a second one fails with ErrBusy.
//
// The report is complete also when Run fails; its Status says failed.
func (r *Reconciler) Run(ctx context.Context, p keysync.Portal, repair bool) (Report, error) {
	start := time.Now()
	name := p.Source.Name()
	rep := newReport(name, repair, r.now())
	log := r.logger().With(keysync.LogSource, name)
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
		log.Error("store reconciliation report", keysync.LogErr, ferr.Error())
		if err == nil {
			err = fmt.Errorf("%s: store report: %w", name, ferr)
			rep.finish(err, time.Since(start))
		}
	}
	return rep, err
}

func levelOf(r Report) slog.Level {
	switch r.Status {
	case StatusFailed:
		return slog.LevelError
	case StatusConflicts:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}
