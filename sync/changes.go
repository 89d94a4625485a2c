package keysync

import (
	"context"
	"fmt"
	"time"
)

// ChangeSource is a Source that can tell which of its rows changed, so
// that a pass reads those instead of every row: TYPO3 by the rows'
// tstamp, WordPress by the users its must-use plugin recorded. A pass
// hands what it reads to the store, which records changed values and
// statuses (the central record) and leaves unchanged rows alone.
type ChangeSource interface {
	// ChangeHead is the cursor of the latest change now. A first pass,
	// which sweeps every row anyway, starts its changes there.
	ChangeHead(ctx context.Context, now time.Time) (string, error)
	// Changes returns up to limit changed rows after cursor, in the order
	// of their changes, and the cursor after them. The first page of a
	// pass starts from the cursor the last pass stored, and may repeat
	// rows: a source reads again what a late commit could have put behind
	// it.
	Changes(ctx context.Context, cursor string, first bool, limit int, now time.Time) (ChangePage, error)
	// ChangesRecorded is told that a page's rows are recorded centrally;
	// a source that queues its changes removes them then, never before.
	ChangesRecorded(ctx context.Context, page ChangePage) error
}

// ChangePage is one page of changed rows.
type ChangePage struct {
	Accounts []Account
	// Cursor is where the next page, and the next pass, continue.
	Cursor string
	// More says that another page may follow.
	More bool
	// Entries are the source's own records of these changes (the
	// WordPress queue's ids), for ChangesRecorded.
	Entries []uint64
}

// changeStart is where this pass reads changes from: where the last pass
// left off; on a source's first pass, the head of its changes when the
// sweep will read every row anyway, else the beginning (after an upgrade,
// every row is read once). ok is false for a source without changes.
func (ps *pass) changeStart(watermark uint64) (cursor string, ok bool, err error) {
	cs, ok := ps.p.Source.(ChangeSource)
	if !ok {
		return "", false, nil
	}
	cursor, known, err := ps.e.Store.ChangeCursor(ps.batchCtx, ps.name)
	if err != nil {
		return "", false, fmt.Errorf("%s: %w", ps.name, err)
	}
	if !known && watermark == 0 {
		if cursor, err = cs.ChangeHead(ps.batchCtx, ps.e.now()); err != nil {
			return "", false, fmt.Errorf("%s: read the latest change: %w", ps.name, err)
		}
	}
	return cursor, true, nil
}

// changes reads the rows changed since cursor, a page at a time, and lets
// the store record those whose values or status differ from its record;
// the cursor moves, and the source forgets its queued changes, only after
// that was committed, so a crash reads them again.
func (ps *pass) changes(cursor string) error {
	cs := ps.p.Source.(ChangeSource)
	for first := true; ps.ctx.Err() == nil; first = false {
		page, err := cs.Changes(ps.batchCtx, cursor, first, ps.e.batchSize(), ps.e.now())
		if err != nil {
			return fmt.Errorf("%s: read changed rows: %w", ps.name, err)
		}
		stale, err := ps.e.Store.Stale(ps.batchCtx, ps.name, page.Accounts)
		if err != nil {
			return fmt.Errorf("%s: %w", ps.name, err)
		}
		if err := ps.handle(stale); err != nil {
			return err
		}
		if !ps.e.DryRun {
			if err := cs.ChangesRecorded(ps.batchCtx, page); err != nil {
				return fmt.Errorf("%s: %w", ps.name, err)
			}
			if err := ps.e.Store.SetChangeCursor(ps.batchCtx, ps.name, page.Cursor); err != nil {
				return fmt.Errorf("%s: %w", ps.name, err)
			}
		}
		cursor = page.Cursor
		if !page.More {
			return nil
		}
	}
	return nil
}

// Refresh reads every row of a portal and lets the store record the values
// and statuses that differ from its record: the changes no ChangeSource
// saw, made past TYPO3's DataHandler and Extbase (SQL typed by hand, which
// leaves tstamp alone) or past WordPress (without the plugin, or in its
// database directly). Reconciliation runs it; it costs a read of every row,
// and a central transaction only for the rows that changed.
func (e *Engine) Refresh(ctx, batchCtx context.Context, p Portal) (Counts, error) {
	name := p.Source.Name()
	ps := &pass{e: e, p: p, name: name, log: e.logger().With(LogSource, name), ctx: ctx, batchCtx: batchCtx}
	var after uint64
	for ctx.Err() == nil {
		rows, err := p.Source.Sweep(batchCtx, after, e.batchSize(), e.now())
		if err != nil {
			return ps.total, fmt.Errorf("%s: read rows: %w", name, err)
		}
		if len(rows) == 0 {
			break
		}
		after = rows[len(rows)-1].ID
		stale, err := e.Store.Stale(batchCtx, name, rows)
		if err != nil {
			return ps.total, fmt.Errorf("%s: %w", name, err)
		}
		if err := ps.handle(stale); err != nil {
			return ps.total, err
		}
		if len(rows) < e.batchSize() {
			break
		}
	}
	return ps.total, ctx.Err()
}
