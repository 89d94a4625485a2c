package reconcile

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	keysync "keysync/sync"
)

// RangeSize is how many consecutive ids one checksum of a reconciliation
// covers: a million ids are about 7,800 ranges on either side.
const RangeSize = 128

// RangeSum is the checksum of one id range [Range*size, (Range+1)*size)
// of one side of a reconciliation, computed by that side's server over a
// canonical string per row: "id|state|number|hh|pe|number", state being
// 1, 2 or 3 for active, inactive or deleted (the index of the central
// status ENUM, which is cheaper to evaluate than its name); centrally the
// last field is the number the
// account's copy of the person's ids was made for, so that a stale copy
// never agrees. Both sides sum exactly the rows the other side is
// expected to hold too, so that equal sums mean the walk would find
// nothing in the range.
type RangeSum struct {
	Range uint64
	// All is every row of the range: portal rows, or central accounts of
	// any status. The report counts them.
	All int
	// Count and Xor are over the summed rows: on the portal those with a
	// number, centrally the accounts not gone.
	Count int
	Xor   uint64 // BIT_XOR of the rows' CRC32
	// Blank (portal) counts rows without a number, Gone (central) accounts
	// marked gone: a gone account's row that came back without a number
	// is invisible to the sums, so a range with both is walked.
	Blank, Gone int
}

// RangeSummer is implemented by sources that can compute RangeSums on
// their own server and read a bounded id range the lean way. A source
// that does not implement it is walked whole.
type RangeSummer interface {
	KeySweeper
	// RowSums returns the sums of every range holding rows, in range order.
	RowSums(ctx context.Context, size uint64, now time.Time) ([]RangeSum, error)
	// SweepKeysBetween is SweepKeys limited to ids up to upTo.
	SweepKeysBetween(ctx context.Context, after, upTo uint64, limit int, now time.Time) ([]keysync.Account, error)
}

// RangeStore is implemented by central stores that can compute RangeSums
// of a source's accounts and read bounded id ranges.
type RangeStore interface {
	// LinkSums returns the sums of every range holding accounts of the
	// source, in range order.
	LinkSums(ctx context.Context, source string, size uint64) ([]RangeSum, error)
	// ConflictRanges returns, in order, the ranges holding accounts with
	// open conflicts of the given kinds.
	ConflictRanges(ctx context.Context, source string, kinds []keysync.ConflictKind, size uint64) ([]uint64, error)
	// LinksBetween is Links limited to account ids up to upTo.
	LinksBetween(ctx context.Context, source string, after, upTo uint64, limit int) ([]Link, error)
	// OpenConflictsBetween is OpenConflictPage limited to account ids up
	// to upTo.
	OpenConflictsBetween(ctx context.Context, source string, kinds []keysync.ConflictKind, afterAccount, afterID, upTo uint64, limit int) ([]OpenConflict, error)
}

// span is an id range [lo, hi] the walk reads, with how many rows and
// links the sums counted in it, to size the reads.
type span struct {
	lo, hi      uint64
	rows, links int
}

// errNoRows is the refusal of a portal without rows whose accounts are
// linked centrally.
var errNoRows = errors.New("the portal has no rows at all but accounts of it are linked centrally; check the source's DSN and table before reconciling")

// ranged reconciles by range checksums when both sides can compute them:
// ranges whose sums agree are counted and skipped, the others walked. It
// reports false when the source or the store cannot, and the caller walks
// everything.
func (w *walk) ranged(ctx context.Context) (bool, error) {
	if w.r.Full {
		return false, nil
	}
	src, ok := w.p.Source.(RangeSummer)
	if !ok {
		return false, nil
	}
	st, ok := w.r.Store.(RangeStore)
	if !ok {
		return false, nil
	}
	size := w.r.rangeSize()
	now := w.r.now()
	w.prefetchDups()
	var rows, links []RangeSum
	var open []uint64
	errs := make(chan error, 3)
	go func() {
		var err error
		rows, err = src.RowSums(w.work, size, now)
		if err != nil {
			err = fmt.Errorf("sum portal rows: %w", err)
		}
		errs <- err
	}()
	go func() {
		var err error
		links, err = st.LinkSums(w.work, w.name, size)
		if err != nil {
			err = fmt.Errorf("sum central links: %w", err)
		}
		errs <- err
	}()
	go func() {
		var err error
		open, err = st.ConflictRanges(w.work, w.name, autoResolved, size)
		if err != nil {
			err = fmt.Errorf("find open conflicts: %w", err)
		}
		errs <- err
	}()
	var err error
	for range 3 {
		err = errors.Join(err, <-errs)
	}
	if err != nil {
		return true, err
	}
	spans, skipRows, skipLinks, err := planSpans(rows, links, open, size)
	if err != nil {
		return true, err
	}
	w.lean = true
	if err := w.spans(ctx, src, st, spans, now); err != nil {
		return true, err
	}
	w.rep.RowsSummed, w.rep.LinksSummed = skipRows, skipLinks
	w.rep.Rows += skipRows
	w.rep.Links += skipLinks
	return true, nil
}

// planSpans merges both sides' sums and the ranges with open conflicts into
// the spans to walk, adjacent ranges joined, and counts the rows and links
// of the ranges skipped.
func planSpans(rows, links []RangeSum, open []uint64, size uint64) (spans []span, skipRows, skipLinks int, err error) {
	total := 0
	for _, s := range rows {
		total += s.All
	}
	if total == 0 && len(links) > 0 {
		return nil, 0, 0, errNoRows
	}
	i, j, k := 0, 0, 0
	for i < len(rows) || j < len(links) {
		var p, c RangeSum
		switch {
		case j == len(links) || (i < len(rows) && rows[i].Range < links[j].Range):
			p = rows[i]
			c.Range = p.Range
			i++
		case i == len(rows) || links[j].Range < rows[i].Range:
			c = links[j]
			p.Range = c.Range
			j++
		default:
			p, c = rows[i], links[j]
			i++
			j++
		}
		rg := p.Range
		for k < len(open) && open[k] < rg {
			k++
		}
		conflicted := k < len(open) && open[k] == rg
		same := p.Count == c.Count && p.Xor == c.Xor && (p.Blank == 0 || c.Gone == 0)
		if same && !conflicted {
			skipRows += p.All
			skipLinks += c.All
			continue
		}
		lo := rg * size
		hi := lo + size - 1
		if rg == math.MaxUint64/size {
			hi = math.MaxUint64
		}
		if n := len(spans); n > 0 && spans[n-1].hi+1 == lo {
			spans[n-1].hi = hi
			spans[n-1].rows += p.All
			spans[n-1].links += c.All
			continue
		}
		spans = append(spans, span{lo: lo, hi: hi, rows: p.All, links: c.All})
	}
	return spans, skipRows, skipLinks, nil
}

func (r *Reconciler) rangeSize() uint64 {
	if r.RangeSize > 0 {
		return r.RangeSize
	}
	return RangeSize
}

// spans walks the ids of the spans with one merge walk: each side is read
// span by span, a page filling up across spans, so that the steps of the
// walk hold as many ids as they would in a walk of everything, and the
// drift of a hundred small spans is recorded in a few steps rather than
// in a hundred. Each read asks for one row more than the sums counted in
// its span, so that a span usually costs one query per side; rows added
// meanwhile are read by further queries.
func (w *walk) spans(ctx context.Context, src RangeSummer, st RangeStore, spans []span, now time.Time) error {
	read := w.r.readSize()
	rows := startStream(w.work, read, acrossSpans(spans, read, "portal rows", func(sp span) int { return sp.rows },
		func(a keysync.Account) uint64 { return a.ID },
		func(ctx context.Context, after, upTo uint64, limit int) ([]keysync.Account, error) {
			return src.SweepKeysBetween(ctx, after, upTo, limit, now)
		}))
	defer rows.stop()
	links := startStream(w.work, read, acrossSpans(spans, read, "central links", func(sp span) int { return sp.links },
		func(l Link) uint64 { return l.AccountID },
		func(ctx context.Context, after, upTo uint64, limit int) ([]Link, error) {
			return st.LinksBetween(ctx, w.name, after, upTo, limit)
		}))
	defer links.stop()
	// Open conflicts are paged by (account, conflict id); a span starts
	// after every conflict of the account before it.
	i := 0
	var afterAccount, afterID uint64
	start := func() {
		afterAccount, afterID = 0, 0
		if lo := spans[i].lo; lo > 0 {
			afterAccount, afterID = lo-1, math.MaxInt64
		}
	}
	if len(spans) > 0 {
		start()
	}
	open := startStream(w.work, read, func(ctx context.Context) ([]OpenConflict, error) {
		var out []OpenConflict
		for len(out) < read && i < len(spans) {
			want := read - len(out)
			cs, err := st.OpenConflictsBetween(ctx, w.name, autoResolved, afterAccount, afterID, spans[i].hi, want)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
			if len(cs) < want {
				if i++; i < len(spans) {
					start()
				}
				continue
			}
			afterAccount, afterID = cs[len(cs)-1].AccountID, cs[len(cs)-1].ID
		}
		return out, nil
	})
	defer open.stop()
	return w.merge(ctx, rows, links, open)
}

// acrossSpans returns a stream's page reader over the ids of the spans, in
// order: read reads ids above after up to upTo. A page is full unless the
// last span is exhausted, as the stream takes a short page for the end.
func acrossSpans[T any](spans []span, limit int, what string, counted func(span) int, id func(T) uint64,
	read func(ctx context.Context, after, upTo uint64, limit int) ([]T, error)) func(ctx context.Context) ([]T, error) {
	i := 0
	var after uint64
	newSpan, seen := true, false
	return func(ctx context.Context) ([]T, error) {
		var out []T
		for len(out) < limit && i < len(spans) {
			sp := spans[i]
			if newSpan && sp.lo > 0 {
				after = sp.lo - 1
			}
			// The first read of a span asks for what the sums counted and
			// one more; a span with more rows than that (sums out of
			// step, rows added meanwhile) is read in full pages.
			want := limit - len(out)
			if newSpan {
				want = min(want, counted(sp)+1)
			}
			got, err := read(ctx, after, sp.hi, want)
			if err != nil {
				return nil, err
			}
			for _, row := range got {
				if v := id(row); v <= after && (after > 0 || seen) {
					return nil, fmt.Errorf("read %s: id %d after %d: not in ascending order", what, v, after)
				}
				after, seen = id(row), true
			}
			out = append(out, got...)
			newSpan = len(got) < want
			if newSpan {
				i++ // the span is exhausted
			}
		}
		return out, nil
	}
}

// prefetchDups reads the first page of the portal's duplicate numbers in
// a goroutine of its own: the query costs about as much as the checksum
// of the portal, and runs on the portal's server while the central one
// computes its checksums. duplicates takes the page, or reads it again
// when the walk wrote into the portal meanwhile.
func (w *walk) prefetchDups() {
	df, ok := w.p.Source.(DuplicateFinder)
	if !ok {
		return
	}
	w.dups = make(chan dupPage, 1)
	go func() {
		groups, err := df.Duplicates(w.work, "", w.r.batchSize())
		w.dups <- dupPage{groups, err}
	}()
}
