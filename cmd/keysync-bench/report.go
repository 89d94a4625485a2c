package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Goals, as the README states them.
const (
	rolloutGoal = 2.0 // keysync numbers/s at least 2 times the baseline's ops/s
	idleGoal    = 2.0 // idle poll on the big table within 2 times the small one's
)

// report is everything one run measured; -json prints it as it is.
type report struct {
	Options    options    `json:"options"`
	Server     serverInfo `json:"server"`
	Cores      int        `json:"cores"`
	GOMAXPROCS int        `json:"gomaxprocs"`
	Go         string     `json:"go"`
	OS         string     `json:"os"`

	Rollout struct {
		Baseline baselineResult `json:"baseline"`
		Keysync  rolloutResult  `json:"keysync"`
		Ratio    float64        `json:"ratio"`
		Goal     string         `json:"goal"`
		Pass     bool           `json:"pass"`
	} `json:"rollout"`

	Idle struct {
		idleResult
		Ratio float64 `json:"ratio"`
		Goal  string  `json:"goal"`
		Pass  bool    `json:"pass"`
	} `json:"idle_poll"`

	Reconcile  *reconcileGrade  `json:"reconcile,omitempty"`
	Once       *onceGrade       `json:"once,omitempty"`
	API        *apiGrade        `json:"api,omitempty"`
	Conflicts  *conflictsGrade  `json:"conflicts,omitempty"`
	Population *populationGrade `json:"population,omitempty"`
	Scale      *scaleGrade      `json:"scale,omitempty"`
	Latency    *latencyGrade    `json:"latency,omitempty"`
}

func (r *report) gradeRollout() {
	ro := &r.Rollout
	ro.Ratio = ro.Keysync.NumbersPerSec / ro.Baseline.OpsPerSec
	ro.Goal = fmt.Sprintf(">= %gx", rolloutGoal)
	ro.Pass = ro.Ratio >= rolloutGoal
}

func (r *report) gradeIdle() {
	id := &r.Idle
	id.Ratio = id.BigMedianMS / id.SmallMedianMS
	id.Goal = fmt.Sprintf("within %gx", idleGoal)
	id.Pass = id.Ratio <= idleGoal
}

func verdict(pass bool) string {
	if pass {
		return "PASS"
	}
	return "MISS"
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

func (r *report) writeText(w io.Writer) error {
	fmt.Fprintf(w, "keysync-bench: MariaDB %s (innodb_flush_log_at_trx_commit=%d, buffer pool %d MiB), %d cores (GOMAXPROCS %d), %s %s\n",
		r.Server.Version, r.Server.FlushAtCommit, r.Server.BufferPoolBytes>>20, r.Cores, r.GOMAXPROCS, r.Go, r.OS)
	if r.Options.Quick {
		fmt.Fprintln(w, "quick run: sizes for a smoke test, not for the README")
	}

	if r.Options.runs("rollout") {
		if err := r.writeRollout(w); err != nil {
			return err
		}
	}
	if r.Options.runs("idle") {
		if err := r.writeIdle(w); err != nil {
			return err
		}
	}
	if r.Reconcile != nil {
		if err := r.Reconcile.writeText(w); err != nil {
			return err
		}
	}
	if r.Once != nil {
		if err := r.Once.writeText(w); err != nil {
			return err
		}
	}
	if r.API != nil {
		if err := r.API.writeText(w); err != nil {
			return err
		}
	}
	if r.Conflicts != nil {
		if err := r.Conflicts.writeText(w); err != nil {
			return err
		}
	}
	if r.Population != nil {
		if err := r.Population.writeText(w); err != nil {
			return err
		}
	}
	if r.Scale != nil {
		if err := r.Scale.writeText(w); err != nil {
			return err
		}
	}
	if r.Latency != nil {
		return r.Latency.writeText(w)
	}
	return nil
}

func (r *report) writeRollout(w io.Writer) error {
	ro := r.Rollout
	k := ro.Keysync
	fmt.Fprintf(w, "\n(a) rollout: %d confirmed users without numbers, batch %d\n", k.Backlog, k.Batch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  baseline: autocommit sequence UPDATE\t%.0f ops/s\t%d in %.2fs%s\n", ro.Baseline.OpsPerSec, ro.Baseline.Ops, ro.Baseline.Seconds, runs(ro.Baseline))
	fmt.Fprintf(tw, "  keysync: numbers assigned and written\t%.0f numbers/s\t%d in %.2fs (+%d accounts linked), %d passes\n",
		k.NumbersPerSec, k.Assigned, k.Seconds, k.Linked, k.Passes)
	fmt.Fprintf(tw, "  ratio\t%.2fx\tgoal %s: %s\n", ro.Ratio, ro.Goal, verdict(ro.Pass))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "  where the rollout's time went (the stages overlap in a pipeline; Assign is the critical path):")
	for _, part := range []struct{ key, label string }{
		{"central_assign", "central Assign, one transaction per batch"},
		{"assign_lock", "  lock the sequences"},
		{"assign_facts", fmt.Sprintf("  load facts (%.1f fuzzy candidates per account)", k.CandidatesPerAccount)},
		{"assign_decide", "  decide and allocate, in Go"},
		{"assign_write", "  insert persons, accounts, households, events"},
		{"assign_commit", "  commit"},
		{"write_back", "portal write-back (UPDATE + read-back)"},
		{"central_written", "central Written (mark written, events)"},
		{"read_new", "portal read of new rows (sweep)"},
		{"read_pending", "portal read of pending rows"},
		{"central_watermark", "central watermark"},
		{"central_conflicts", "central conflicts"},
	} {
		sec := k.SplitSeconds[part.key]
		fmt.Fprintf(w, "    %-52s %7.2fs %4.0f%%\n", part.label, sec, 100*sec/k.Seconds)
	}
	if server, ok := k.CPUSeconds["server"]; ok {
		busy := (server + k.CPUSeconds["keysync"]) / (k.Seconds * float64(r.Cores))
		fmt.Fprintf(w, "  CPU: the server %.1fs, keysync (engine, decisions, driver) %.1fs, in %.1fs on %d cores: %.0f %% of the machine;\n"+
			"  that CPU allows at most %.0f numbers/s on %d cores = %.2fx the baseline, however the work overlaps\n",
			server, k.CPUSeconds["keysync"], k.Seconds, r.Cores, 100*busy,
			k.NumbersPerSec/busy, r.Cores, k.NumbersPerSec/busy/ro.Baseline.OpsPerSec)
	}
	if k.WriteCeiling > 0 {
		fmt.Fprintf(w, "  the central writes alone (lock, insert, commit) allow at most %.0f numbers/s = %.2fx the baseline,\n"+
			"  even if loading facts and deciding cost nothing and no other stage ran\n", k.WriteCeiling, k.WriteCeiling/ro.Baseline.OpsPerSec)
	}
	return nil
}

// runs lists the rates of a combined baseline's runs.
func runs(b baselineResult) string {
	if len(b.Runs) < 2 {
		return ""
	}
	parts := make([]string, len(b.Runs))
	for i, v := range b.Runs {
		parts[i] = fmt.Sprintf("%.0f", v)
	}
	return " (before and after: " + strings.Join(parts, ", ") + " ops/s)"
}

func (r *report) writeIdle(w io.Writer) error {
	id := r.Idle
	fmt.Fprintf(w, "\n(b) idle poll: median of %d polls that find nothing\n", id.Polls)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  small fe_users\t%d rows\t%.3f ms\n", id.SmallRows, id.SmallMedianMS)
	fmt.Fprintf(tw, "  big fe_users\t%d rows\t%.3f ms\n", id.BigRows, id.BigMedianMS)
	fmt.Fprintf(tw, "  ratio\t%.2fx\tgoal %s: %s\n", id.Ratio, id.Goal, verdict(id.Pass))
	return tw.Flush()
}
