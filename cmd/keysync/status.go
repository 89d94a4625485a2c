package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"keysync/config"
	"keysync/sync/central"
)

// statusCommand shows, per source, what the daemon last did and what is
// waiting: the answer to "is keysync working?" without reading logs.
func init() {
	register("status", "[--json]", "what the daemon did last: passes, standby, reconciliation, conflicts", func(m *Main) command { return &statusCommand{m: m, now: time.Now} })
}

type statusCommand struct {
	m   *Main
	now func() time.Time
}

// statusReport is what `keysync status --json` prints.
type statusReport struct {
	GeneratedAt time.Time                `json:"generated_at"`
	Sources     map[string]*sourceStatus `json:"sources"`
	// Sinks are the configured sinks in the order of KEYSYNC_SINKS.
	Sinks   []sinkStatus  `json:"sinks"`
	Erasure erasureStatus `json:"erasure"`
}

// sinkStatus is one sink's last exports, as the central database keeps
// them for the daemon and keysync export alike.
type sinkStatus struct {
	Kind string `json:"kind"`
	central.SinkState
}

// erasureStatus is the retention (KEYSYNC_FORGET_AFTER, "" when off) and
// how many persons are forgotten, and due under the retention (null when
// it is off).
type erasureStatus struct {
	Retention string `json:"retention"`
	Forgotten int    `json:"forgotten"`
	Due       *int   `json:"due"`
}

// sourceStatus is one source's state. Times are UTC; null means never.
type sourceStatus struct {
	name        string
	Kind        string     `json:"kind"`
	LastPollAt  *time.Time `json:"last_poll_at"`
	LastOKAt    *time.Time `json:"last_ok_at"`
	LastError   *string    `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	// LockHolder is the central server's connection id of the session
	// holding the source's lock (the daemon working it), null when none
	// does. Stalled: it holds the lock, but no keysync has polled the
	// source for more than three poll intervals.
	LockHolder *int64 `json:"lock_holder"`
	Stalled    bool   `json:"stalled"`
	// Backlog is the number of confirmed accounts without a number, null
	// when the portal could not be asked (BacklogError says why).
	Backlog            *int64                `json:"backlog"`
	BacklogError       string                `json:"backlog_error,omitempty"`
	OpenConflicts      map[string]int        `json:"open_conflicts"`
	LastReconciliation *reconciliationStatus `json:"last_reconciliation"`
}

type reconciliationStatus struct {
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Status     string     `json:"status"`
}

// backlogTimeout bounds the count on one portal, so that one portal that
// hangs does not hide the others' state.
const backlogTimeout = 30 * time.Second

func (c *statusCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("status", "Usage: keysync status [--json]\n\nPer source: the last poll and the last successful one, the last error, confirmed accounts\nstill without a number, open conflicts by kind, and the last reconciliation.")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.centralApp(ctx)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := c.report(ctx, a)
	if err != nil {
		return fmt.Errorf("central database: %w", err)
	}
	if *asJSON {
		return writeJSON(c.m.Stdout, rep)
	}
	printStatus(c.m.Stdout, printable(rep), a.cfg.Sources)
	printSinkStatus(c.m.Stdout, printable(rep))
	return nil
}

// report gathers the status of every configured source.
func (c *statusCommand) report(ctx context.Context, a *app) (*statusReport, error) {
	states, err := a.store.SourceStates(ctx)
	if err != nil {
		return nil, err
	}
	open, err := a.store.OpenConflicts(ctx)
	if err != nil {
		return nil, err
	}
	recons, err := a.store.LastReconciliations(ctx)
	if err != nil {
		return nil, err
	}
	erased, err := a.store.Erasures(ctx, a.cfg.ForgetAfter)
	if err != nil {
		return nil, err
	}
	now := c.now().UTC()
	rep := &statusReport{GeneratedAt: now, Sources: map[string]*sourceStatus{},
		Erasure: erasureStatus{Retention: config.FormatRetention(a.cfg.ForgetAfter), Forgotten: erased.Forgotten}}
	if a.cfg.ForgetAfter > 0 {
		rep.Erasure.Due = &erased.Due
	}
	for i, sc := range a.cfg.Sources {
		st := states[sc.Name]
		s := &sourceStatus{name: sc.Name, Kind: sc.Kind, OpenConflicts: open[sc.Name],
			LastPollAt: timePtr(st.LastPollAt), LastOKAt: timePtr(st.LastOKAt), LastErrorAt: timePtr(st.LastErrorAt)}
		if s.OpenConflicts == nil {
			s.OpenConflicts = map[string]int{}
		}
		if st.LastError != "" {
			s.LastError = &st.LastError
		}
		if err := lockStatus(ctx, a, s, now); err != nil {
			return nil, err
		}
		if r, ok := recons[sc.Name]; ok {
			s.LastReconciliation = &reconciliationStatus{StartedAt: r.StartedAt, FinishedAt: timePtr(r.FinishedAt), Status: r.Status}
		}
		if b, ok := a.portals[i].Source.(backlogSource); ok {
			bctx, cancel := context.WithTimeout(ctx, backlogTimeout)
			n, err := b.Backlog(bctx, now)
			cancel()
			if err != nil {
				s.BacklogError = err.Error()
			} else {
				s.Backlog = &n
			}
		}
		rep.Sources[sc.Name] = s
	}
	return rep, addSinkStatus(ctx, a, rep)
}

// addSinkStatus adds the state of every configured sink.
func addSinkStatus(ctx context.Context, a *app, rep *statusReport) error {
	rep.Sinks = []sinkStatus{}
	if len(a.cfg.Sinks) == 0 {
		return nil
	}
	states, err := a.store.Feed().SinkStates(ctx)
	if err != nil {
		return err
	}
	for _, sc := range a.cfg.Sinks {
		st, ok := states[sc.Name]
		if !ok {
			st.Sink = sc.Name
		}
		rep.Sinks = append(rep.Sinks, sinkStatus{Kind: sc.Kind, SinkState: st})
	}
	return nil
}

// lockStatus fills in who holds the source's lock and whether the source
// is stalled: a holder that does not poll (a keysync that hangs, or a
// session that is no keysync) keeps every daemon of the source on standby.
func lockStatus(ctx context.Context, a *app, s *sourceStatus, now time.Time) error {
	id, err := sourceLockHolder(ctx, a.store.DB(), s.name)
	if err != nil || id == 0 {
		return err
	}
	s.LockHolder = &id
	s.Stalled = s.LastPollAt == nil || now.Sub(*s.LastPollAt) > standbyPolls*a.cfg.PollInterval
	return nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// printStatus writes the report for a human, sources in configured order.
func printStatus(w io.Writer, rep *statusReport, order []config.Source) {
	now := rep.GeneratedAt
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.Format("2006-01-02 15:04:05 MST") + " (" + ago(now.Sub(*t)) + ")"
	}
	for i, sc := range order {
		s := rep.Sources[sc.Name]
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%s)\n", sc.Name, s.Kind)
		result := ""
		switch {
		case s.LastPollAt == nil:
		case s.LastOKAt != nil && !s.LastOKAt.Before(*s.LastPollAt):
			result = ", succeeded"
		default:
			result = ", failed"
		}
		fmt.Fprintf(w, "  last poll:        %s%s\n", when(s.LastPollAt), result)
		fmt.Fprintf(w, "  last success:     %s\n", when(s.LastOKAt))
		if s.LastError == nil {
			fmt.Fprintf(w, "  last error:       none\n")
		} else {
			fmt.Fprintf(w, "  last error:       %s: %s\n", when(s.LastErrorAt), *s.LastError)
		}
		fmt.Fprintf(w, "  source lock:      %s\n", lockLine(s, when))
		if s.Backlog != nil {
			fmt.Fprintf(w, "  backlog:          %d confirmed %s without a number\n", *s.Backlog, plural(*s.Backlog, "account", "accounts"))
		} else {
			fmt.Fprintf(w, "  backlog:          unknown: %s\n", s.BacklogError)
		}
		fmt.Fprintf(w, "  open conflicts:   %s\n", conflictSummary(s.OpenConflicts))
		if r := s.LastReconciliation; r == nil {
			fmt.Fprintf(w, "  reconciliation:   never\n")
		} else {
			fmt.Fprintf(w, "  reconciliation:   %s, started %s, finished %s\n", r.Status, when(&r.StartedAt), when(r.FinishedAt))
		}
	}
	printErasure(w, rep.Erasure)
}

// printErasure says how long persons whose accounts are all deleted are
// kept, and how many are forgotten and due.
func printErasure(w io.Writer, e erasureStatus) {
	fmt.Fprintln(w)
	if e.Due == nil {
		fmt.Fprintf(w, "erasure: retention off (KEYSYNC_FORGET_AFTER empty): persons are kept until keysync forget; %d forgotten\n", e.Forgotten)
		return
	}
	fmt.Fprintf(w, "erasure: persons whose accounts have all been deleted for longer than %s are forgotten; %d forgotten, %d due\n", e.Retention, e.Forgotten, *e.Due)
}

// lockLine says who holds the source's lock, and what to do when the
// holder does not poll.
func lockLine(s *sourceStatus, when func(*time.Time) string) string {
	switch {
	case s.LockHolder == nil:
		return "free: no daemon works the source"
	case s.Stalled:
		return fmt.Sprintf("held by connection %d, but no keysync has polled the source for more than %d poll intervals (last poll: %s): "+
			"a keysync that hangs or a session that is no keysync holds it; if no daemon is in a long first pass, `KILL %d` on the central database server frees the source",
			*s.LockHolder, standbyPolls, when(s.LastPollAt), *s.LockHolder)
	}
	return fmt.Sprintf("held by connection %d", *s.LockHolder)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// conflictSummary prints "3 (shared_email 2, suspected_duplicate 1)".
func conflictSummary(byKind map[string]int) string {
	total := 0
	var parts []string
	for _, k := range sortedKeys(byKind) {
		if byKind[k] == 0 {
			continue
		}
		total += byKind[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, byKind[k]))
	}
	if total == 0 {
		return "none"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// ago prints a duration the way an operator reads it: "42s ago", "3h12m ago".
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "in the future: clocks differ"
	case d < time.Minute:
		return d.Round(time.Second).String() + " ago"
	case d < 48*time.Hour:
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s") + " ago"
	}
	return fmt.Sprintf("%d days ago", int(d.Hours()/24))
}

// printSinkStatus writes each sink's last exports for a human.
func printSinkStatus(w io.Writer, rep *statusReport) {
	now := rep.GeneratedAt
	when := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.Format("2006-01-02 15:04:05 MST") + " (" + ago(now.Sub(*t)) + ")"
	}
	for _, s := range rep.Sinks {
		fmt.Fprintf(w, "\nsink %s (%s)\n", s.Sink, s.Kind)
		fmt.Fprintf(w, "  last success:     %s", when(s.LastOK))
		if s.LastOK != nil {
			fmt.Fprintf(w, ": %d written, %d changed, %d removed; %s", s.Written, s.Changed, s.Removed, s.Where)
		}
		fmt.Fprintln(w)
		if s.LastError == "" || s.Failures == 0 {
			fmt.Fprintf(w, "  last error:       none since\n")
		} else {
			fmt.Fprintf(w, "  last error:       %s: %s (%d %s in a row)\n", when(s.LastErrorAt), s.LastError, s.Failures, plural(s.Failures, "failure", "failures"))
		}
	}
}
