package reconcile

import (
	"context"
	"fmt"
	"log/slog"
	"math"

	keysync "keysync/sync"
)

// walk is one reconciliation of one portal in progress.
type walk struct {
	r      *Reconciler
	p      keysync.Portal
	name   string
	repair bool
	rep    *Report
	log    *slog.Logger
	// work bounds every step; it ends when the lock is lost.
	work context.Context
	// lean is true when the portal rows hold only what the walk compares
	// (KeySweeper); rows for a decision are then read whole.
	lean bool
	// dups, when set, delivers the first page of duplicate numbers, read
	// while the checksums are computed; wrote says the walk wrote into the
	// portal, which makes that page out of date.
	dups  chan dupPage
	wrote bool
}

type dupPage struct {
	groups []Duplicate
	err    error
}

// pair is one account id of the merge: the portal row, the central link,
// or both.
type pair struct {
	row  *keysync.Account
	link *Link
}

func (p pair) id() uint64 {
	if p.row != nil {
		return p.row.ID
	}
	return p.link.AccountID
}

// run merges the portal's rows with the source's central links, both in id
// order, and handles them a batch of ids at a time. The open conflicts of
// the source come in as a third sorted stream, so that each step knows the
// conflicts of its id range without a query of its own.
func (w *walk) run(ctx context.Context) error {
	read := w.r.readSize()
	now := w.r.now()
	sweep := w.p.Source.Sweep
	if ks, ok := w.p.Source.(KeySweeper); ok {
		sweep, w.lean = ks.SweepKeys, true
	}
	rows := startStream(w.work, read, ascending("portal rows", func(a keysync.Account) uint64 { return a.ID },
		func(ctx context.Context, after uint64) ([]keysync.Account, error) {
			return sweep(ctx, after, read, now)
		}))
	defer rows.stop()
	links := startStream(w.work, read, ascending("central links", func(l Link) uint64 { return l.AccountID },
		func(ctx context.Context, after uint64) ([]Link, error) {
			return w.r.Store.Links(ctx, w.name, after, read)
		}))
	defer links.stop()
	var afterAccount, afterID uint64
	open := startStream(w.work, read, func(ctx context.Context) ([]OpenConflict, error) {
		cs, err := w.r.Store.OpenConflictPage(ctx, w.name, autoResolved, afterAccount, afterID, read)
		if len(cs) > 0 {
			afterAccount, afterID = cs[len(cs)-1].AccountID, cs[len(cs)-1].ID
		}
		return cs, err
	})
	defer open.stop()

	// A portal without a single row while keysync knows accounts of it is
	// far more likely a wrong database than a site whose members all left:
	// marking every account gone is not done on that evidence.
	first, err := rows.peek()
	if err != nil {
		return fmt.Errorf("read portal rows: %w", err)
	}
	if l, err := links.peek(); err != nil {
		return fmt.Errorf("read central links: %w", err)
	} else if first == nil && l != nil {
		return errNoRows
	}
	return w.merge(ctx, rows, links, open)
}

// merge walks the rows and links of the streams, in batches of ids, each
// batch with the open conflicts of its id range.
func (w *walk) merge(ctx context.Context, rows *stream[keysync.Account], links *stream[Link], open *stream[OpenConflict]) error {
	n := w.r.batchSize()

	// The batch's rows and links are copies, so that a batch does not keep
	// the streams' pages alive; they live in two arrays of the batch's
	// size, reused by every batch, instead of one allocation per id.
	batch := make([]pair, 0, n)
	rowBuf, linkBuf := make([]keysync.Account, 0, n), make([]Link, 0, n)
	flush := func(hi uint64) error {
		var cs []OpenConflict
		for {
			c, err := open.peek()
			if err != nil {
				return fmt.Errorf("read open conflicts: %w", err)
			}
			if c == nil || c.AccountID > hi {
				break
			}
			cs = append(cs, *c)
			open.next()
		}
		if err := w.step(batch, cs); err != nil {
			return err
		}
		batch, rowBuf, linkBuf = batch[:0], rowBuf[:0], linkBuf[:0]
		return nil
	}
	for ctx.Err() == nil {
		row, err := rows.peek()
		if err != nil {
			return fmt.Errorf("read portal rows: %w", err)
		}
		link, err := links.peek()
		if err != nil {
			return fmt.Errorf("read central links: %w", err)
		}
		if row == nil && link == nil {
			return flush(math.MaxUint64)
		}
		var p pair
		switch {
		case link == nil || (row != nil && row.ID < link.AccountID):
			p.row = row
			rows.next()
		case row == nil || link.AccountID < row.ID:
			p.link = link
			links.next()
		default:
			p.row, p.link = row, link
			rows.next()
			links.next()
		}
		if p.row != nil {
			rowBuf = append(rowBuf, *p.row)
			p.row = &rowBuf[len(rowBuf)-1]
			p.row.Source = w.name
		}
		if p.link != nil {
			linkBuf = append(linkBuf, *p.link)
			p.link = &linkBuf[len(linkBuf)-1]
		}
		batch = append(batch, p)
		if len(batch) == n {
			if err := flush(p.id()); err != nil {
				return err
			}
		}
	}
	return nil
}
