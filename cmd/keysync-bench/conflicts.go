package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"keysync/sync/central"
)

// conflictsResult compares counting the open conflicts, which every idle
// `keysync once` does to print the count and choose its exit code, on a
// central store with a large backlog and on one with a small one; and,
// on the large one, the count as it was made before the kept counts
// (grouped by source and kind over the rows behind the (status, kind)
// index).
type conflictsResult struct {
	Small         int     `json:"small_open"`
	Big           int     `json:"big_open"`
	Counts        int     `json:"counts"`
	SmallMedianMS float64 `json:"small_median_ms"`
	BigMedianMS   float64 `json:"big_median_ms"`
	// OldBigMedianMS is the count the old way on the big store.
	OldBigMedianMS float64 `json:"old_big_median_ms"`
	// SummaryBigMS is `keysync conflicts` (grouped by kind and rule) on
	// the big store.
	SummaryBigMS float64 `json:"summary_big_ms"`
}

// conflictCounts fills two central stores with open conflicts of two
// sources, mixed kinds and rules and details of a realistic length, and
// times the counts in turns.
func (s *server) conflictCounts(ctx context.Context, small, big, counts int) (conflictsResult, error) {
	r := conflictsResult{Small: small, Big: big, Counts: counts}
	stores := map[int]*central.Store{}
	for _, n := range []int{small, big} {
		name := fmt.Sprintf("conflicts_%d", n)
		store, _, err := s.newCentral(ctx, name)
		if err != nil {
			return r, err
		}
		s.progress("open conflicts: %d into %s", n, name)
		if err := s.fillConflicts(ctx, dbPrefix+name, n); err != nil {
			return r, err
		}
		stores[n] = store
	}
	sources := []string{"amicas", "club"}
	timeIt := func(fn func() error) (time.Duration, error) {
		start := time.Now()
		err := fn()
		return time.Since(start), err
	}
	var smallT, bigT, oldT, sumT []time.Duration
	const warmUp = 3
	for i := range warmUp + counts {
		ds, err := timeIt(func() error { _, err := stores[small].OpenConflictCount(ctx, sources); return err })
		if err != nil {
			return r, err
		}
		db, err := timeIt(func() error { _, err := stores[big].OpenConflictCount(ctx, sources); return err })
		if err != nil {
			return r, err
		}
		do, err := timeIt(func() error { return s.oldCount(ctx, dbPrefix+fmt.Sprintf("conflicts_%d", big)) })
		if err != nil {
			return r, err
		}
		dsum, err := timeIt(func() error { _, err := stores[big].ConflictSummary(ctx, ""); return err })
		if err != nil {
			return r, err
		}
		if i >= warmUp {
			smallT, bigT, oldT, sumT = append(smallT, ds), append(bigT, db), append(oldT, do), append(sumT, dsum)
		}
	}
	r.SmallMedianMS, r.BigMedianMS = ms(median(smallT)), ms(median(bigT))
	r.OldBigMedianMS, r.SummaryBigMS = ms(median(oldT)), ms(median(sumT))
	return r, nil
}

// fillConflicts inserts n open conflicts, written by the server itself
// from MariaDB's sequence engine.
func (s *server) fillConflicts(ctx context.Context, db string, n int) error {
	pool, err := s.open(ctx, db)
	if err != nil {
		return err
	}
	const step = 100000
	for off := 0; off < n; off += step {
		_, err := pool.ExecContext(ctx, `INSERT INTO conflicts (kind, rule, source, account_id, value, number, detail, status, open_key, created_at)
 SELECT ELT(1 + seq % 4, 'suspected_duplicate', 'suspected_duplicate', 'shared_email', 'invalid_number'),
  ELT(1 + seq % 4, 'names_only', 'alike_names', 'mailbox_other', ''), ELT(1 + seq % 2, 'amicas', 'club'), seq,
  CONCAT('Maria Gruber ', seq), LPAD(seq, 9, '0'),
  CONCAT('may be the same person as ', LPAD(seq, 9, '0'), ': the same names, nothing else to compare; registered from the portal''s form'),
  'open', CONCAT('k|', seq), NOW(6)
 FROM seq_`+fmt.Sprint(off+1)+`_to_`+fmt.Sprint(min(off+step, n)))
		if err != nil {
			return fmt.Errorf("fill conflicts: %w", err)
		}
	}
	if _, err := pool.ExecContext(ctx, "ANALYZE TABLE conflicts"); err != nil {
		return err
	}
	// The counts as the migration to schema version 9 makes them.
	_, err = pool.ExecContext(ctx, `INSERT INTO open_conflicts (source, kind, rule, open)
 SELECT source, kind, rule, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY source, kind, rule`)
	return err
}

// oldCount is the count an idle pass made before the kept counts:
// grouped by source and kind, through the (status, kind) index.
func (s *server) oldCount(ctx context.Context, db string) error {
	pool, err := s.open(ctx, db)
	if err != nil {
		return err
	}
	defer pool.Close()
	rows, err := pool.QueryContext(ctx, `SELECT source, kind, COUNT(*) FROM conflicts IGNORE INDEX (open_count) WHERE status = 'open' GROUP BY source, kind`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func (r *report) gradeConflicts() {
	c := r.Conflicts
	c.Ratio = c.BigMedianMS / c.SmallMedianMS
	c.OldRatio = c.OldBigMedianMS / c.BigMedianMS
}

func (c *conflictsGrade) writeText(w io.Writer) error {
	fmt.Fprintf(w, "\n(f) open-conflict count of an idle pass: median of %d counts\n", c.Counts)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  small backlog\t%d open\t%.3f ms\n", c.Small, c.SmallMedianMS)
	fmt.Fprintf(tw, "  big backlog\t%d open\t%.3f ms\n", c.Big, c.BigMedianMS)
	fmt.Fprintf(tw, "  ratio\t%.1fx\n", c.Ratio)
	fmt.Fprintf(tw, "  big backlog, counted row by row as before\t\t%.3f ms: %.0fx the count now\n", c.OldBigMedianMS, c.OldRatio)
	fmt.Fprintf(tw, "  big backlog, keysync conflicts (by kind and rule)\t\t%.3f ms\n", c.SummaryBigMS)
	return tw.Flush()
}

// conflictsGrade is the conflicts part of the report.
type conflictsGrade struct {
	conflictsResult
	Ratio    float64 `json:"ratio"`
	OldRatio float64 `json:"old_ratio"`
}
