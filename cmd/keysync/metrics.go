package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// metrics is what the daemon reports on /metrics and judges /healthz by.
// It writes the Prometheus text format itself: a dozen series with a
// source label and one histogram do not justify the client library and
// the modules it pulls in, protobuf among them. All methods are safe for
// concurrent use and for a nil *metrics, so `keysync once` and tests can
// pass none.
type metrics struct {
	// now is the clock polls are stamped with.
	now     func() time.Time
	mu      sync.Mutex
	started time.Time
	sources map[string]*sourceMetrics
	// open holds the open conflicts per source and kind, as last read.
	open map[string]map[string]int
	// retries, when set, reads how many central transactions ran again
	// after a deadlock or a lost Galera certification.
	retries func() int64
	// sinks are the daemon's scheduled exports, by sink.
	sinks map[string]*sinkMetrics
}

// sinkMetrics are one sink's series, of the exports this daemon ran.
type sinkMetrics struct {
	exports, failed uint64
	lastOK          time.Time
	written         int
}

// observeExport counts one scheduled export.
func (m *metrics) observeExport(e sinkExportEntry) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sinks == nil {
		m.sinks = map[string]*sinkMetrics{}
	}
	s := m.sinks[e.Sink]
	if s == nil {
		s = &sinkMetrics{}
		m.sinks[e.Sink] = s
	}
	s.exports++
	if e.Error != "" {
		s.failed++
		return
	}
	s.lastOK, s.written = m.now(), e.Written
}

// sinkFamilies are the sinks' series; m.mu is held.
func (m *metrics) sinkFamilies() []family {
	names := sortedKeys(m.sinks)
	perSink := func(name, kind, help string, v func(*sinkMetrics) (float64, bool)) family {
		f := family{name: name, kind: kind, help: help}
		for _, n := range names {
			if x, ok := v(m.sinks[n]); ok {
				f.samples = append(f.samples, sample{labels: [][2]string{{"sink", n}}, value: x})
			}
		}
		return f
	}
	return []family{
		perSink("keysync_sink_exports_total", "counter", "Scheduled exports to the sink, successful or not.", func(s *sinkMetrics) (float64, bool) { return float64(s.exports), true }),
		perSink("keysync_sink_export_failures_total", "counter", "Scheduled exports to the sink that failed.", func(s *sinkMetrics) (float64, bool) { return float64(s.failed), true }),
		perSink("keysync_sink_last_success_timestamp_seconds", "gauge", "Unix time of the last successful export to the sink.", func(s *sinkMetrics) (float64, bool) {
			return unixSeconds(s.lastOK), !s.lastOK.IsZero()
		}),
		perSink("keysync_sink_persons_written", "gauge", "Persons the last successful export wrote to the sink.", func(s *sinkMetrics) (float64, bool) {
			return float64(s.written), !s.lastOK.IsZero()
		}),
	}
}

// sourceMetrics are one source's series.
type sourceMetrics struct {
	counts   keysync.Counts
	polls    uint64
	failed   uint64
	duration histogram
	lastOK   time.Time
	// standbyAt is when this daemon last found another session holding
	// the source's lock; a standby daemon is healthy without polling
	// while some keysync polls the source (standby).
	standbyAt    time.Time
	standby      standbyView
	backlog      int64
	backlogKnown bool
}

// pollBuckets are the upper bounds of the poll duration histogram, in
// seconds: an idle poll takes milliseconds, a first pass over a large
// portal minutes.
var pollBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func (h *histogram) observe(v float64) {
	if h.counts == nil {
		h.counts = make([]uint64, len(pollBuckets)+1)
	}
	i, _ := slices.BinarySearch(pollBuckets, v)
	h.counts[i]++
	h.sum += v
	h.n++
}

// newMetrics returns metrics for the named sources, so that a source that
// never polled successfully counts against /healthz.
func newMetrics(sources ...string) *metrics {
	m := &metrics{now: time.Now, started: time.Now(), sources: map[string]*sourceMetrics{}, open: map[string]map[string]int{}}
	for _, s := range sources {
		m.sources[s] = &sourceMetrics{}
	}
	return m
}

// sourceNames lists the portals' source names, for newMetrics.
func sourceNames(portals []keysync.Portal) []string {
	out := make([]string, len(portals))
	for i, p := range portals {
		out[i] = p.Source.Name()
	}
	return out
}

func (m *metrics) source(name string) *sourceMetrics {
	s, ok := m.sources[name]
	if !ok {
		s = &sourceMetrics{}
		m.sources[name] = s
	}
	return s
}

// observePoll records one finished poll of source: how long it took, what
// it did and whether it ended in an error.
func (m *metrics) observePoll(source string, d time.Duration, c keysync.Counts, err error) {
	if m == nil {
		return
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.source(source)
	s.counts.Add(c)
	s.polls++
	s.duration.observe(d.Seconds())
	if err != nil {
		s.failed++
		return
	}
	s.lastOK = now
	s.standbyAt = time.Time{}
}

// observeStandby records that another session holds source's lock, so
// this daemon stands by instead of polling, and what it knows of the
// source's polls.
func (m *metrics) observeStandby(source string, v standbyView) {
	if m == nil {
		return
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.source(source)
	s.standbyAt, s.standby = now, v
}

// setBacklog records the number of confirmed accounts of source without a
// number.
func (m *metrics) setBacklog(source string, n int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.source(source)
	s.backlog, s.backlogKnown = n, true
}

// setOpenConflicts replaces the open conflict counts (source, kind). A
// kind seen before and now resolved stays in the output as 0, so that a
// graph falls to zero instead of ending.
func (m *metrics) setOpenConflicts(open map[string]map[string]int) {
	if m == nil {
		return
	}
	if open == nil {
		open = map[string]map[string]int{}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for src, kinds := range m.open {
		for kind := range kinds {
			if _, ok := open[src][kind]; ok {
				continue
			}
			if open[src] == nil {
				open[src] = map[string]int{}
			}
			open[src][kind] = 0
		}
	}
	m.open = open
}

// unhealthy lists, per source, why it has neither polled successfully nor
// stood by for another daemon within three poll intervals before now, or
// stands by for a source nobody polls; empty means healthy.
func (m *metrics) unhealthy(now time.Time, interval time.Duration) []string {
	if m == nil {
		return nil
	}
	limit := 3 * interval
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, name := range sortedKeys(m.sources) {
		s := m.sources[name]
		switch {
		case s.standingBy(now, limit) && s.standby.halted(now, interval):
			v := s.standby
			out = append(out, fmt.Sprintf("%s: standing by for %s, but no keysync has polled the source for %s (last poll: %s), more than %s; %s",
				name, now.Sub(v.since).Round(time.Second), v.unpolled(now).Round(time.Second), v.lastPollText(), limit, v.holderText()))
		case s.standingBy(now, limit):
		case s.lastOK.IsZero():
			out = append(out, fmt.Sprintf("%s: no successful poll since keysync started %s ago", name, now.Sub(m.started).Round(time.Second)))
		case now.Sub(s.lastOK) > limit:
			out = append(out, fmt.Sprintf("%s: last successful poll %s ago, more than %s", name, now.Sub(s.lastOK).Round(time.Second), limit))
		}
	}
	return out
}

// standingBy reports whether the daemon stood by for the source within
// limit before now.
func (s *sourceMetrics) standingBy(now time.Time, limit time.Duration) bool {
	return !s.standbyAt.IsZero() && now.Sub(s.standbyAt) <= limit
}

// standbyNotes lists, per source this daemon stands by for while another
// keysync polls it, who holds the lock and when it last polled: what a
// healthy /healthz says besides "ok".
func (m *metrics) standbyNotes(now time.Time, interval time.Duration) []string {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, name := range sortedKeys(m.sources) {
		s := m.sources[name]
		if s.standingBy(now, standbyPolls*interval) && !s.standby.halted(now, interval) {
			out = append(out, fmt.Sprintf("%s: standing by, %s, last poll %s ago", name, s.standby.holderText(), s.standby.unpolled(now).Round(time.Second)))
		}
	}
	return out
}

// healthy reports whether every source polled successfully within three
// poll intervals before now.
func (m *metrics) healthy(now time.Time, interval time.Duration) bool {
	return len(m.unhealthy(now, interval)) == 0
}

// family is one metric family in the text exposition format.
type family struct {
	name, kind, help string
	samples          []sample
}

type sample struct {
	suffix string
	labels [][2]string
	value  float64
}

// write writes every series in the Prometheus text exposition format
// (version 0.0.4), sources in name order so that the output is stable.
func (m *metrics) write(w io.Writer) error {
	m.mu.Lock()
	fams := m.families()
	m.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		for _, s := range f.samples {
			bw.WriteString(f.name + s.suffix)
			if len(s.labels) > 0 {
				bw.WriteByte('{')
				for i, l := range s.labels {
					if i > 0 {
						bw.WriteByte(',')
					}
					bw.WriteString(l[0] + `="` + escapeLabel(l[1]) + `"`)
				}
				bw.WriteByte('}')
			}
			bw.WriteString(" " + formatValue(s.value) + "\n")
		}
	}
	return bw.Flush()
}

// families builds the output; m.mu is held.
func (m *metrics) families() []family {
	names := sortedKeys(m.sources)
	perSource := func(name, kind, help string, v func(*sourceMetrics) (float64, bool)) family {
		f := family{name: name, kind: kind, help: help}
		for _, n := range names {
			if x, ok := v(m.sources[n]); ok {
				f.samples = append(f.samples, sample{labels: [][2]string{{"source", n}}, value: x})
			}
		}
		return f
	}
	count := func(field func(keysync.Counts) int) func(*sourceMetrics) (float64, bool) {
		return func(s *sourceMetrics) (float64, bool) { return float64(field(s.counts)), true }
	}
	fams := []family{
		{name: "keysync_build_info", kind: "gauge", help: "Always 1; the version label names the running build.",
			samples: []sample{{labels: [][2]string{{"version", version}}, value: 1}}},
		perSource("keysync_numbers_assigned_total", "counter", "New customer numbers assigned.", count(func(c keysync.Counts) int { return c.Assigned })),
		perSource("keysync_numbers_adopted_total", "counter", "Numbers found in portal rows and adopted.", count(func(c keysync.Counts) int { return c.Adopted })),
		perSource("keysync_accounts_linked_total", "counter", "Accounts linked to a person who already had a number.", count(func(c keysync.Counts) int { return c.Linked })),
		perSource("keysync_numbers_written_total", "counter", "Numbers written back into portal rows.", count(func(c keysync.Counts) int { return c.Written })),
		perSource("keysync_rows_skipped_total", "counter", "Rows that could not be decided or vanished before write-back.", count(func(c keysync.Counts) int { return c.Skipped })),
		perSource("keysync_conflicts_recorded_total", "counter", "Conflicts raised for an admin, including ones already open.", count(func(c keysync.Counts) int { return c.Conflicts })),
		perSource("keysync_polls_total", "counter", "Polls finished, successful or not.", func(s *sourceMetrics) (float64, bool) { return float64(s.polls), true }),
		perSource("keysync_poll_errors_total", "counter", "Polls that ended in an error.", func(s *sourceMetrics) (float64, bool) { return float64(s.failed), true }),
		perSource("keysync_last_successful_poll_timestamp_seconds", "gauge", "Unix time of the last successful poll.", func(s *sourceMetrics) (float64, bool) {
			return unixSeconds(s.lastOK), !s.lastOK.IsZero()
		}),
		perSource("keysync_standby", "gauge", "1 while another session holds the source lock and this daemon stands by.", func(s *sourceMetrics) (float64, bool) {
			if !s.standbyAt.IsZero() && s.standbyAt.After(s.lastOK) {
				return 1, true
			}
			return 0, true
		}),
		perSource("keysync_backlog", "gauge", "Confirmed accounts still without a number, counted at most once a minute.", func(s *sourceMetrics) (float64, bool) {
			return float64(s.backlog), s.backlogKnown
		}),
	}
	open := family{name: "keysync_conflicts_open", kind: "gauge", help: "Open conflicts waiting for an admin, by kind."}
	for _, src := range sortedKeys(m.open) {
		for _, kind := range sortedKeys(m.open[src]) {
			open.samples = append(open.samples, sample{labels: [][2]string{{"source", src}, {"kind", kind}}, value: float64(m.open[src][kind])})
		}
	}
	fams = append(fams, open)
	if m.retries != nil {
		fams = append(fams, family{name: "keysync_central_retries_total", kind: "counter",
			help:    "Central transactions run again after a deadlock, a lock wait timeout or a lost Galera certification.",
			samples: []sample{{value: float64(m.retries())}}})
	}
	fams = append(fams, m.sinkFamilies()...)
	hist := family{name: "keysync_poll_duration_seconds", kind: "histogram", help: "How long a poll took."}
	for _, n := range names {
		h := m.sources[n].duration
		var cum uint64
		for i, le := range append(slices.Clone(pollBuckets), math.Inf(1)) {
			if h.counts != nil {
				cum += h.counts[i]
			}
			hist.samples = append(hist.samples, sample{suffix: "_bucket", labels: [][2]string{{"source", n}, {"le", formatValue(le)}}, value: float64(cum)})
		}
		hist.samples = append(hist.samples,
			sample{suffix: "_sum", labels: [][2]string{{"source", n}}, value: h.sum},
			sample{suffix: "_count", labels: [][2]string{{"source", n}}, value: float64(h.n)})
	}
	return append(fams, hist)
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// formatValue prints a sample value the way Prometheus parses it.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// escapeLabel escapes a label value: backslash, double quote and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// pollStore is where finished polls are recorded; *central.Store.
type pollStore interface {
	RecordPoll(ctx context.Context, source string, ok bool, errText string) error
}

var _ pollStore = (*central.Store)(nil)

// pollRecorder records each finished poll in the metrics and in the
// central database's source_state, where `keysync status` reads it. Either
// may be nil. A failure to record is logged once per streak per source,
// since it usually means the central database is down, which the poll
// itself reports already.
type pollRecorder struct {
	metrics *metrics
	store   pollStore
	log     *slog.Logger

	mu      sync.Mutex
	failing map[string]bool
}

// standby records that another session holds source's lock; the central
// state is the working daemon's to record.
func (r *pollRecorder) standby(source string, v standbyView) {
	if r == nil {
		return
	}
	r.metrics.observeStandby(source, v)
}

// recordTimeout bounds the central write, so that a central database that
// hangs does not hold up the next poll for long.
const recordTimeout = 5 * time.Second

// record records one poll. ctx should be the hard context: a poll that the
// first signal ends is still recorded.
func (r *pollRecorder) record(ctx context.Context, source string, d time.Duration, c keysync.Counts, err error) {
	if r == nil {
		return
	}
	r.metrics.observePoll(source, d, c, err)
	if r.store == nil {
		return
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	rerr := r.store.RecordPoll(ctx, source, err == nil, errText)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing == nil {
		r.failing = map[string]bool{}
	}
	if rerr != nil && !r.failing[source] && r.log != nil {
		r.log.Warn("poll not recorded centrally", keysync.LogSource, source, keysync.LogErr, rerr.Error())
	}
	r.failing[source] = rerr != nil
}
