package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	keysync "keysync/sync"
)

// onceCommand runs one pass over every portal and exits: for cron, for the
// first rollout, and for trying a configuration with --dry-run.
func init() {
	register("once", "[--dry-run] [--json]", "one pass over all portals, then exit", func(m *Main) command { return &onceCommand{m: m} })
}

type onceCommand struct {
	m *Main
}

// summary is what `keysync once --json` prints.
type summary struct {
	keysync.Counts
	DryRun     bool  `json:"dry_run"`
	DurationMS int64 `json:"duration_ms"`
	// OpenConflicts counts every conflict still open on these sources,
	// found by this pass or before: exit code 3 until an admin decided.
	OpenConflicts int                       `json:"open_conflicts"`
	Sources       map[string]*sourceSummary `json:"sources"`
}

type sourceSummary struct {
	keysync.Counts
	Error string `json:"error,omitempty"`
}

func (c *onceCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("once", "Usage: keysync once [--dry-run] [--json]\n\nOne pass over all sources. Exit 0 done, 1 failed, 2 usage or configuration error, 3 done but conflicts need review.")
	dry := fs.Bool("dry-run", false, "decide and log, but write nothing anywhere")
	asJSON := fs.Bool("json", false, "print a JSON summary on standard output")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	defer logStops(ctx, c.m.Hard, a.log)()

	start := time.Now()
	sum := summary{DryRun: *dry, Sources: map[string]*sourceSummary{}}
	failed := 0
	var configErrs []error
	eng := a.engine(*dry)
	var rec *pollRecorder // a dry run records nothing
	if !*dry {
		rec = &pollRecorder{store: a.store, log: a.log}
	}
	for _, p := range a.portals {
		name := p.Source.Name()
		ss := &sourceSummary{}
		sum.Sources[name] = ss
		passStart := time.Now()
		err := p.Source.Check(ctx)
		if err == nil {
			ss.Counts, err = eng.Pass(ctx, c.m.Hard, p)
		}
		rec.record(c.m.Hard, name, time.Since(passStart), ss.Counts, err)
		if errors.Is(err, keysync.ErrConfig) {
			configErrs = append(configErrs, err)
		}
		if err != nil {
			failed++
			ss.Errors++
			ss.Error = err.Error()
			a.log.Error("pass failed", keysync.LogSource, name, keysync.LogErr, err.Error())
		}
		sum.Counts.Add(ss.Counts)
	}
	sum.DurationMS = time.Since(start).Milliseconds()
	names := make([]string, len(a.portals))
	for i, p := range a.portals {
		names[i] = p.Source.Name()
	}
	if sum.OpenConflicts, err = a.store.OpenConflictCount(ctx, names); err != nil {
		return fmt.Errorf("central database: %w", err)
	}
	a.log.Info("pass done", "assigned", sum.Assigned, "adopted", sum.Adopted, "linked", sum.Linked,
		"written", sum.Written, "conflicts", sum.Conflicts, "errors", sum.Errors, keysync.LogDryRun, *dry)
	if *asJSON {
		if err := writeJSON(c.m.Stdout, sum); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(c.m.Stdout, "assigned %d, adopted %d, linked %d, written %d, conflicts %d, skipped %d, errors %d; open conflicts %d\n",
			sum.Assigned, sum.Adopted, sum.Linked, sum.Written, sum.Conflicts, sum.Skipped, sum.Errors, sum.OpenConflicts)
	}
	switch {
	case len(configErrs) > 0:
		return &exitError{ExitUsage, fmt.Errorf("configuration:\n%w", errors.Join(configErrs...))}
	case failed > 0:
		return &exitError{code: ExitFailed, err: fmt.Errorf("%d of %d sources failed", failed, len(a.portals))}
	case ctx.Err() != nil:
		return &exitError{code: ExitFailed, err: fmt.Errorf("interrupted")}
	case sum.Conflicts > 0 || sum.OpenConflicts > 0:
		return errConflicts
	}
	return nil
}
