package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// reconcileCommand compares every portal with the central record, once,
// for cron or a systemd timer: its exit code says whether someone must act.
func init() {
	register("reconcile", "[--repair] [--data] [--full] [--json] [--source NAME]", "compare every account with the central record; 3 when conflicts remain", func(m *Main) command { return &reconcileCommand{m: m} })
}

type reconcileCommand struct {
	m *Main
}

// reconcileSummary is what `keysync reconcile --json` prints: the totals
// over all sources reconciled, and each source's report.
type reconcileSummary struct {
	Status     string                       `json:"status"`
	Repair     bool                         `json:"repair"`
	DurationMS int64                        `json:"duration_ms"`
	Found      map[reconcile.Drift]int      `json:"found"`
	Repaired   map[reconcile.Drift]int      `json:"repaired"`
	Conflicts  map[keysync.ConflictKind]int `json:"conflicts"`
	Failed     int                          `json:"failed"`
	Sources    []reconcile.Report           `json:"sources"`
	// Forgotten are the persons the retention (KEYSYNC_FORGET_AFTER)
	// forgot after a run of every source that failed nowhere.
	Forgotten []string `json:"forgotten,omitempty"`
	// configErrs are sources whose field mapping does not fit the portal.
	configErrs []error
}

const reconcileUsage = `Usage: keysync reconcile [--repair] [--full] [--json] [--source NAME]

Walks every account of every portal (or of one) against the central record
and reports drift: write-backs that never happened, numbers edited or removed,
numbers keysync does not know, accounts deleted, disabled, expired, back again
or gone, the same number on two rows, Wibisoft ids that differ. Without
--repair nothing is written into a portal; with it, missing values are written
and edited ones restored to the central values (the history keeps the old).
Ranges of ids whose checksums agree on both sides are skipped; --full compares
every row instead and first recomputes the central checksums, for when central
accounts were changed past keysync (keysync doctor says so). --data also reads
every row's master data and records what changed past the change detection
(SQL typed by hand), as the daemon's schedule does. With KEYSYNC_FORGET_AFTER,
a run over every source that failed nowhere then forgets the persons whose
accounts have all been deleted for longer than that (see keysync forget).

Exit 0 clean, 3 conflicts remain open, 1 a source failed (another
reconciliation of it running elsewhere counts), 2 usage or configuration error.
`

func (c *reconcileCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("reconcile", reconcileUsage)
	repair := fs.Bool("repair", false, "write missing values and restore edited ones in the portals")
	asJSON := fs.Bool("json", false, "print the report as JSON on standard output")
	only := fs.String("source", "", "reconcile only this source")
	full := fs.Bool("full", false, "compare every row, not the checksums of ranges, and recompute the central checksums")
	data := fs.Bool("data", false, "also read every row's master data and record what changed past the change detection (SQL typed by hand)")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.newApp()
	if err != nil {
		return err
	}
	defer a.close()
	portals := a.portals
	if *only != "" {
		sc, ok := a.cfg.Source(*only)
		if !ok {
			return usageErr("--source %s: no such source in KEYSYNC_SOURCES", *only)
		}
		portals = nil
		for _, p := range a.portals {
			if p.Source.Name() == sc.Name {
				portals = append(portals, p)
			}
		}
	}
	if err := a.store.CheckSchema(ctx); err != nil {
		return fmt.Errorf("central database: %w", err)
	}

	start := time.Now()
	if *full {
		if err := a.store.RebuildSums(ctx); err != nil {
			return fmt.Errorf("central database: %w", err)
		}
		if err := a.store.RebuildOpenCounts(ctx); err != nil {
			return fmt.Errorf("central database: %w", err)
		}
	}
	rc := newReconciler(a, c.m.Hard)
	rc.Full = *full
	sum := reconcileSummary{Repair: *repair, Found: map[reconcile.Drift]int{}, Repaired: map[reconcile.Drift]int{}, Conflicts: map[keysync.ConflictKind]int{}}
	for _, p := range portals {
		if ctx.Err() != nil {
			break
		}
		rep, err := reconcileOne(ctx, a, rc, p, *repair)
		if errors.Is(err, keysync.ErrConfig) {
			sum.configErrs = append(sum.configErrs, err)
		}
		if *data && err == nil {
			refreshData(ctx, c.m.Hard, a, p, &rep)
			if rep.DataError != "" {
				sum.Failed++
			}
		}
		sum.add(rep)
	}
	var retention error
	if *only == "" && sum.Failed == 0 && ctx.Err() == nil {
		sum.Forgotten, retention = forgetDue(ctx, a.store, a.cfg.ForgetAfter, a.log)
	}
	sum.DurationMS = time.Since(start).Milliseconds()
	sum.Status = sum.status()
	if *asJSON {
		if err := writeJSON(c.m.Stdout, sum); err != nil {
			return err
		}
	} else {
		shown := printable(sum)
		shown.writeText(c.m.Stdout)
	}
	switch {
	case len(sum.configErrs) > 0:
		return &exitError{ExitUsage, fmt.Errorf("configuration:\n%w", errors.Join(sum.configErrs...))}
	case sum.Failed > 0:
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d of %d sources failed", sum.Failed, len(portals))}
	case retention != nil:
		return &exitError{code: ExitFailed, err: fmt.Errorf("retention: %w", retention)}
	case ctx.Err() != nil:
		return &exitError{code: ExitFailed, err: errors.New("interrupted")}
	case sum.Status == reconcile.StatusConflicts:
		return errConflicts
	}
	return nil
}

// refreshData reads every row of a source's master data and records what
// changed past the change detection (keysync.Engine.Refresh), counting it
// in the report.
func refreshData(ctx, hard context.Context, a *app, p keysync.Portal, rep *reconcile.Report) {
	c, err := a.engine(false).Refresh(ctx, hard, p)
	rep.DataChanged = c.Changed
	if err != nil {
		rep.DataError = err.Error()
		a.log.Error("master data sweep failed", keysync.LogSource, p.Source.Name(), keysync.LogErr, err.Error())
	}
}

// newReconciler builds the reconciler as the configuration says. hard
// bounds each step; cancelling the run's own context stops between steps.
func newReconciler(a *app, hard context.Context) *reconcile.Reconciler {
	return &reconcile.Reconciler{Store: a.store, BatchSize: a.cfg.BatchSize, Logger: a.log, Hard: hard}
}

// reconcileOne checks the portal's schema and reconciles it. A failure is
// in the report, so the other sources go on.
func reconcileOne(ctx context.Context, a *app, rc *reconcile.Reconciler, p keysync.Portal, repair bool) (reconcile.Report, error) {
	name := p.Source.Name()
	if err := p.Source.Check(ctx); err != nil {
		a.log.Error("reconciliation failed", keysync.LogSource, name, keysync.LogErr, err.Error())
		return reconcile.Report{Source: name, Repair: repair, Status: reconcile.StatusFailed, Error: err.Error(), StartedAt: time.Now().UTC()}, err
	}
	rep, err := rc.Run(ctx, p, repair)
	if errors.Is(err, reconcile.ErrBusy) {
		// The log line of the run says so already, at error level: for
		// this command a busy source is a failure someone may look at.
		rep.Error = reconcile.ErrBusy.Error()
	}
	return rep, err
}

func (s *reconcileSummary) add(r reconcile.Report) {
	s.Sources = append(s.Sources, r)
	if r.Status == reconcile.StatusFailed {
		s.Failed++
	}
	for k, n := range r.Found {
		s.Found[k] += n
	}
	for k, n := range r.Repaired {
		s.Repaired[k] += n
	}
	for k, n := range r.Conflicts {
		s.Conflicts[k] += n
	}
}

func (s *reconcileSummary) status() string {
	switch {
	case s.Failed > 0:
		return reconcile.StatusFailed
	case sum(s.Conflicts) > 0:
		return reconcile.StatusConflicts
	}
	return reconcile.StatusClean
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// writeText prints one block per source and a total line, for a cron mail
// or a terminal.
func (s *reconcileSummary) writeText(w io.Writer) {
	for _, r := range s.Sources {
		if r.Status == reconcile.StatusFailed && r.Rows == 0 && r.Links == 0 {
			fmt.Fprintf(w, "%s: failed: %s\n", r.Source, r.Error)
			continue
		}
		mode := "report only"
		if r.Repair {
			mode = "repair"
		}
		fmt.Fprintf(w, "%s: %s, %d portal rows, %d central links, %s, %s\n", r.Source, r.Status, r.Rows, r.Links,
			(time.Duration(r.DurationMS) * time.Millisecond).String(), mode)
		if r.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", r.Error)
		}
		if r.RowsSummed+r.LinksSummed > 0 || r.RowsWalked+r.LinksWalked > 0 {
			fmt.Fprintf(w, "  compared:  %d rows and %d links by range checksum, %d rows and %d links walked\n",
				r.RowsSummed, r.LinksSummed, r.RowsWalked, r.LinksWalked)
		}
		if line := driftLine(r.Found); line != "" {
			fmt.Fprintf(w, "  found:     %s\n", line)
		}
		if line := driftLine(r.Repaired); line != "" {
			fmt.Fprintf(w, "  repaired:  %s\n", line)
		}
		if n := r.OpenConflicts(); n > 0 {
			fmt.Fprintf(w, "  conflicts: %s (%d new)\n", kindLine(r.Conflicts), r.NewConflicts)
		}
		if r.Resolved > 0 {
			fmt.Fprintf(w, "  resolved:  %d conflicts whose drift is gone\n", r.Resolved)
		}
		if r.DataChanged > 0 {
			fmt.Fprintf(w, "  master data: %d accounts changed past the change detection, now recorded\n", r.DataChanged)
		}
		if r.DataError != "" {
			fmt.Fprintf(w, "  master data: failed: %s\n", r.DataError)
		}
		if r.Skipped > 0 {
			fmt.Fprintf(w, "  skipped:   %d rows (see the log)\n", r.Skipped)
		}
		if !r.Duplicates && r.Status != reconcile.StatusFailed {
			fmt.Fprintln(w, "  duplicate numbers not checked: the source cannot list them")
		}
	}
	if len(s.Forgotten) > 0 {
		fmt.Fprintf(w, "forgotten: %d persons whose accounts were all deleted for longer than KEYSYNC_FORGET_AFTER: %s\n", len(s.Forgotten), strings.Join(s.Forgotten, ", "))
	}
	fmt.Fprintf(w, "total: %s, %d found, %d repaired, %d conflicts open, %d of %d sources failed, %s\n",
		s.Status, sum(s.Found), sum(s.Repaired), sum(s.Conflicts), s.Failed, len(s.Sources),
		(time.Duration(s.DurationMS) * time.Millisecond).String())
	repairable := s.Found[reconcile.DriftNumberEdited] + s.Found[reconcile.DriftNumberRemoved] + s.Found[reconcile.DriftWibisoft] + s.Found[reconcile.DriftMissingWriteBack]
	if !s.Repair && repairable > 0 {
		fmt.Fprintln(w, "run `keysync reconcile --repair` to write the central values into the portals")
	}
}

// driftLine lists the non-zero counts in report order: "gone 2, inactive 1".
func driftLine(m map[reconcile.Drift]int) string {
	var parts []string
	for _, d := range reconcile.Drifts {
		if n := m[d]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", d, n))
		}
	}
	return strings.Join(parts, ", ")
}

func kindLine(m map[keysync.ConflictKind]int) string {
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n > 0 {
			keys = append(keys, string(k))
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[keysync.ConflictKind(k)])
	}
	return strings.Join(parts, ", ")
}
