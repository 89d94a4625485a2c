package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"keysync/config"
	keysync "keysync/sync"
	"keysync/sync/central"
)

// exportCommand brings the sinks up to date: each gets what changed since
// its cursor, or every person the first time or with --full.
func init() {
	register("export", "[--sink NAME] [--full] [--dry-run] [--json]", "deliver to the sinks what changed since each confirmed; 1 when a sink failed", func(m *Main) command { return &exportCommand{m: m} })
}

type exportCommand struct {
	m *Main
}

// exportSummary is what `keysync export --json` prints.
type exportSummary struct {
	DryRun bool              `json:"dry_run"`
	Full   bool              `json:"full"`
	Sinks  []sinkExportEntry `json:"sinks"`
}

// sinkExportEntry is one sink's line of the report.
type sinkExportEntry struct {
	Sink    string `json:"sink"`
	Kind    string `json:"kind"`
	Full    bool   `json:"full"`
	Written int    `json:"written"`
	Changed int    `json:"changed"`
	Removed int    `json:"removed"`
	// Replaced counts characters the file's encoding lacks, written as '?'.
	Replaced int    `json:"replaced,omitempty"`
	Where    string `json:"where,omitempty"`
	Error    string `json:"error,omitempty"`
	// Busy: another keysync was exporting the sink; nothing was done.
	Busy bool `json:"busy,omitempty"`
}

const exportUsage = `Usage: keysync export [--sink NAME] [--full] [--dry-run] [--json]

Deliver to every sink (or one) the persons changed since its last delivery;
a sink's first delivery, or one with --full, carries every person.
Exit 0 done, 1 a sink failed (the others still ran), 2 usage or configuration error.`

func (c *exportCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("export", exportUsage)
	only := fs.String("sink", "", "export to this sink only")
	full := fs.Bool("full", false, "give every person to the sinks, whatever they confirmed")
	dry := fs.Bool("dry-run", false, "work out what would be written, write nothing and move no cursor")
	asJSON := fs.Bool("json", false, "print the report as JSON on standard output")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	sinks, err := a.exportSinks(*only)
	if err != nil {
		return err
	}
	x := a.sinkExport()
	x.wait = exportLockWait
	sum := exportSummary{DryRun: *dry, Full: *full}
	failed := 0
	for _, s := range sinks {
		e := x.run(ctx, s, *full, *dry)
		if e.Error != "" {
			failed++
		}
		sum.Sinks = append(sum.Sinks, e)
	}
	if err := printExport(c.m.Stdout, sum, *asJSON); err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{ExitFailed, fmt.Errorf("%d of %d sinks failed", failed, len(sinks))}
	}
	return nil
}

// exportSinks builds the sinks an export works on: every one configured,
// or the one named.
func (a *app) exportSinks(only string) ([]keysync.Sink, error) {
	if len(a.cfg.Sinks) == 0 {
		return nil, usageErr("no sinks configured: set KEYSYNC_SINKS and KEYSYNC_SINK_<NAME>_KIND (see keysync help config)")
	}
	if only != "" {
		sc, ok := a.cfg.Sink(only)
		if !ok {
			return nil, usageErr("--sink %q is not a configured sink (KEYSYNC_SINKS=%s)", only, joinSinkNames(a.cfg.Sinks))
		}
		only = sc.Name
	}
	return buildSinks(a.cfg.Sinks, only, a.log)
}

func joinSinkNames(sinks []config.Sink) string {
	out := ""
	for i, s := range sinks {
		if i > 0 {
			out += ","
		}
		out += s.Name
	}
	return out
}

// sinkExport runs exports to single sinks and keeps their outcome
// centrally, for the command and the daemon alike.
type sinkExport struct {
	feed *central.Feed
	log  *slog.Logger
	cfg  *config.Config
	// wait is how long an export waits for one of the same sink running
	// elsewhere: the command waits, the daemon's schedule does not.
	wait time.Duration
}

// exportLockWait is how long `keysync export` waits for an export of the
// same sink that runs elsewhere (the daemon's, say) to end.
const exportLockWait = 10 * time.Minute

// sinkExport returns what runs exports for the command and the daemon.
func (a *app) sinkExport() *sinkExport {
	feed := a.store.Feed()
	feed.Logger = a.log
	return &sinkExport{feed: feed, log: a.log, cfg: a.cfg}
}

// run brings one sink up to date and records how it went; a dry run
// records nothing.
func (x *sinkExport) run(ctx context.Context, s keysync.Sink, full, dry bool) sinkExportEntry {
	if !dry {
		release, err := x.lock(ctx, s.Name())
		if err != nil {
			return sinkExportEntry{Sink: s.Name(), Kind: x.kind(s.Name()), Error: err.Error(), Busy: errors.Is(err, central.ErrSinkBusy)}
		}
		defer release()
	}
	e := &keysync.Exporter{Feed: x.feed, Sinks: []keysync.Sink{s}, DryRun: dry, Logger: x.log}
	reports, _ := e.Export(ctx, full)
	r := reports[0]
	entry := sinkExportEntry{Sink: r.Sink, Kind: x.kind(r.Sink), Full: r.Full, Written: r.Written, Changed: r.Changed, Removed: r.Removed, Replaced: r.Replaced, Where: r.Where}
	if r.Err != nil {
		entry.Error = r.Err.Error()
	}
	if dry {
		return entry
	}
	if err := x.feed.RecordExport(context.WithoutCancel(ctx), r.Sink, r.Result, r.Err); err != nil {
		x.log.Warn("export not recorded", keysync.LogSink, r.Sink, keysync.LogErr, err.Error())
	}
	x.prune(ctx)
	return entry
}

// kind is the configured kind of the sink, for the report.
func (x *sinkExport) kind(sink string) string {
	sc, _ := x.cfg.Sink(sink)
	return sc.Kind
}

// prune deletes the changes every configured sink has confirmed.
func (x *sinkExport) prune(ctx context.Context) {
	names := make([]string, len(x.cfg.Sinks))
	for i, sc := range x.cfg.Sinks {
		names[i] = sc.Name
	}
	n, err := x.feed.Prune(ctx, names)
	switch {
	case err != nil:
		x.log.Warn("changes not pruned", keysync.LogErr, err.Error())
	case n > 0:
		x.log.Info("changes pruned", keysync.LogCount, n)
	}
}

// lock takes the sink's export lock, waiting up to x.wait, and says so
// when it has to wait.
func (x *sinkExport) lock(ctx context.Context, sink string) (func(), error) {
	release, err := x.feed.LockSink(ctx, sink, 0)
	if !errors.Is(err, central.ErrSinkBusy) || x.wait == 0 {
		return release, err
	}
	x.log.Info("waiting for the export of the sink running elsewhere", keysync.LogSink, sink, keysync.LogDuration, x.wait.String())
	return x.feed.LockSink(ctx, sink, x.wait)
}

// printExport prints the report: a line per sink, or JSON.
func printExport(w io.Writer, sum exportSummary, asJSON bool) error {
	if asJSON {
		return writeJSON(w, sum)
	}
	for _, e := range sum.Sinks {
		mode := "changes"
		if e.Full {
			mode = "full"
		}
		if sum.DryRun {
			mode += ", dry run"
		}
		if e.Error != "" {
			fmt.Fprintf(w, "%s (%s): FAILED: %s\n", e.Sink, e.Kind, printable(e.Error))
			continue
		}
		replaced := ""
		if e.Replaced > 0 {
			replaced = fmt.Sprintf(", %d characters the encoding lacks written as ?", e.Replaced)
		}
		fmt.Fprintf(w, "%s (%s, %s): %d written, %d changed, %d removed%s; %s\n", e.Sink, e.Kind, mode, e.Written, e.Changed, e.Removed, replaced, printable(e.Where))
	}
	return nil
}
