package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	keysync "keysync/sync"
)

// get requests path from h and returns status, content type and body.
func get(t *testing.T, h http.Handler, path string) (int, string, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()
}

// TestHealthz: 200 only while every source polled successfully within
// three intervals.
func TestHealthz(t *testing.T) {
	const interval = 5 * time.Second
	m := newMetrics("amicas", "blog")
	clock := time.Now()
	m.now = func() time.Time { return clock }
	h := newHTTPHandler(m, interval, func() time.Time { return clock })

	code, _, body := get(t, h, "/healthz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "amicas: no successful poll") || !strings.Contains(body, "blog: no successful poll") {
		t.Errorf("before any poll: %d %q", code, body)
	}
	m.observePoll("amicas", time.Millisecond, keysync.Counts{}, nil)
	m.observePoll("blog", time.Millisecond, keysync.Counts{}, errors.New("connection refused"))
	if code, _, body := get(t, h, "/healthz"); code != http.StatusServiceUnavailable || strings.Contains(body, "amicas") || !strings.Contains(body, "blog") {
		t.Errorf("blog failing: %d %q", code, body)
	}
	m.observePoll("blog", time.Millisecond, keysync.Counts{}, nil)
	if code, ct, body := get(t, h, "/healthz"); code != http.StatusOK || body != "ok\n" || !strings.HasPrefix(ct, "text/plain") || !m.healthy(clock, interval) {
		t.Errorf("both polled: %d %q %q", code, ct, body)
	}
	clock = clock.Add(3 * interval)
	if code, _, _ := get(t, h, "/healthz"); code != http.StatusOK {
		t.Errorf("three intervals later: %d, want 200", code)
	}
	clock = clock.Add(time.Second)
	if code, _, body := get(t, h, "/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "more than 15s") {
		t.Errorf("more than three intervals later: %d %q", code, body)
	}
	if code, _, _ := get(t, h, "/"); code != http.StatusNotFound {
		t.Errorf("/: %d", code)
	}

	// A daemon standing by for another one is healthy without polling
	// while the other one polls, and says so.
	polled := standbyView{since: clock, holder: 4711, lastPoll: clock.Add(-time.Second)}
	m.observeStandby("amicas", polled)
	m.observeStandby("blog", polled)
	want := "ok\namicas: standing by, connection 4711 holds the source lock, last poll 1s ago\nblog: standing by, connection 4711 holds the source lock, last poll 1s ago\n"
	if code, _, body := get(t, h, "/healthz"); code != http.StatusOK || body != want {
		t.Errorf("standing by: %d %q, want 200 %q", code, body, want)
	}
	if _, _, body := get(t, h, "/metrics"); !strings.Contains(body, `keysync_standby{source="blog"} 1`) {
		t.Errorf("standby gauge:\n%s", body)
	}
	// The lock's holder polls no more: three intervals after its last
	// poll the standby is still healthy, past them not, naming the holder.
	clock = polled.lastPoll.Add(3 * interval)
	m.observeStandby("amicas", polled)
	m.observeStandby("blog", polled)
	if code, _, body := get(t, h, "/healthz"); code != http.StatusOK {
		t.Errorf("three intervals after the last poll: %d %q, want 200", code, body)
	}
	clock = clock.Add(time.Second)
	m.observeStandby("amicas", polled)
	m.observeStandby("blog", polled)
	code, _, body = get(t, h, "/healthz")
	if want := "amicas: standing by for 15s, but no keysync has polled the source for 16s (last poll: " + polled.lastPollText() +
		"), more than 15s; connection 4711 holds the source lock"; code != http.StatusServiceUnavailable || !strings.Contains(body, want) {
		t.Errorf("nobody polls: %d %q, want 503 with %q", code, body, want)
	}
	// Never polled by anyone: counted from the start of the standby.
	m.observeStandby("amicas", standbyView{since: clock.Add(-3 * interval)})
	m.observeStandby("blog", standbyView{since: clock.Add(-3*interval - time.Second)})
	if code, _, body := get(t, h, "/healthz"); code != http.StatusServiceUnavailable || strings.Contains(body, "amicas:") ||
		!strings.Contains(body, "blog: standing by for 16s, but no keysync has polled the source for 16s (last poll: never)") ||
		!strings.Contains(body, "another session holds the source lock") {
		t.Errorf("never polled: %d %q", code, body)
	}
	m.observeStandby("amicas", polled)
	m.observeStandby("blog", polled)
	clock = clock.Add(4 * interval)
	if code, _, _ := get(t, h, "/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("standby long ago: %d, want 503", code)
	}
}

// TestStandbyWatch: a standby logs nothing while the lock's holder polls;
// once nobody polled for more than three intervals, one WARN line naming
// how long and the holder, again a minute later, and one INFO line when
// polls come again; taking over ends the standby.
func TestStandbyWatch(t *testing.T) {
	const interval = 5 * time.Second
	logs := &syncBuffer{}
	start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	clock, lastPoll := start, start.Add(-time.Second)
	var readErr error
	w := &standbyWatch{interval: interval, now: func() time.Time { return clock }, log: newLogger(logs, "json", "debug"),
		holder:   func(context.Context) (int64, error) { return 4711, readErr },
		lastPoll: func(context.Context) (time.Time, error) { return lastPoll, readErr }}
	count := func(msg string) int { return strings.Count(logs.String(), `"msg":"`+msg+`"`) }
	round := func(d time.Duration) standbyView {
		clock = clock.Add(d)
		v := w.observe(t.Context())
		w.report()
		return v
	}
	if v := round(0); v.since != start || v.holder != 4711 || v.lastPoll != lastPoll {
		t.Errorf("first view %+v", v)
	}
	for range 3 {
		round(interval - time.Second)
	}
	if n := count("standby: no keysync polls the source"); n != 0 {
		t.Errorf("%d warnings within three intervals", n)
	}
	round(5 * time.Second) // 17s after the last poll
	warn := logs.String()
	for _, want := range []string{`"level":"WARN"`, `"standby_for":"17s"`, `"unpolled_for":"18s"`, `"last_poll":"2026-05-04T09:59:59Z"`, `"lock_holder":4711`} {
		if !strings.Contains(warn, want) {
			t.Errorf("warning lacks %s:\n%s", want, warn)
		}
	}
	readErr = errors.New("central down") // what was read stays
	for range 11 {
		round(interval)
	}
	if v := w.view; v.holder != 4711 || v.lastPoll != lastPoll {
		t.Errorf("a failed read changed the view: %+v", v)
	}
	if n := count("standby: no keysync polls the source"); n != 1 {
		t.Errorf("%d warnings within the first minute, want 1", n)
	}
	round(interval)
	if n := count("standby: no keysync polls the source"); n != 2 {
		t.Errorf("%d warnings after a minute, want 2", n)
	}
	readErr, lastPoll = nil, clock
	round(interval)
	if n := count("standby: the source is polled again"); n != 1 {
		t.Errorf("%d lines saying polls came again, want 1", n)
	}
	if d := w.end(); d != clock.Sub(start) || !w.view.since.IsZero() {
		t.Errorf("end = %s, view %+v", d, w.view)
	}
	var none *standbyWatch
	if v := none.observe(t.Context()); v != (standbyView{}) || none.end() != 0 {
		t.Error("a nil watch observed something")
	}
	none.report()
}

// sampleLine is one sample in the text exposition format.
var sampleLine = regexp.MustCompile(`^([a-z_]+)(\{([a-z_]+="(?:[^"\\]|\\.)*")(,[a-z_]+="(?:[^"\\]|\\.)*")*\})? (\S+)$`)

// parseExposition checks the text format line by line and returns the
// samples by their full series name (name{labels}).
func parseExposition(t *testing.T, body string) map[string]float64 {
	t.Helper()
	samples := map[string]float64{}
	typed := map[string]string{}
	for line := range strings.Lines(body) {
		line = strings.TrimSuffix(line, "\n")
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(rest, " ")
			typed[name] = kind
			continue
		}
		if strings.HasPrefix(line, "# HELP keysync_") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		name := m[1]
		if _, ok := typed[name]; !ok {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
			if typed[base] != "histogram" {
				t.Fatalf("sample %s before its # TYPE line", name)
			}
		}
		if !strings.HasPrefix(name, "keysync_") {
			t.Errorf("%s lacks the keysync_ prefix", name)
		}
		v, err := strconv.ParseFloat(m[len(m)-1], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		samples[strings.TrimSuffix(line, " "+m[len(m)-1])] = v
	}
	return samples
}

// TestMetrics_Exposition: counters from polls, the histogram, backlog and
// open conflicts by kind, all in valid text format.
func TestMetrics_Exposition(t *testing.T) {
	m := newMetrics("amicas", "blog")
	m.observePoll("amicas", 30*time.Millisecond, keysync.Counts{Assigned: 3, Adopted: 1, Written: 4, Conflicts: 2}, nil)
	m.observePoll("amicas", 2*time.Second, keysync.Counts{Assigned: 1, Written: 1}, nil)
	m.observePoll("blog", time.Second, keysync.Counts{}, errors.New("boom"))
	m.setBacklog("amicas", 7)
	m.setOpenConflicts(map[string]map[string]int{"amicas": {"shared_email": 2, "invalid_number": 1}, "blog": {`odd"kind`: 1}})
	m.setOpenConflicts(map[string]map[string]int{"amicas": {"shared_email": 1}})
	m.retries = func() int64 { return 3 }

	code, ct, body := get(t, newHTTPHandler(m, time.Second, time.Now), "/metrics")
	if code != http.StatusOK || ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("/metrics: %d %q", code, ct)
	}
	got := parseExposition(t, body)
	for series, want := range map[string]float64{
		`keysync_numbers_assigned_total{source="amicas"}`:             4,
		`keysync_central_retries_total`:                               3,
		`keysync_numbers_assigned_total{source="blog"}`:               0,
		`keysync_numbers_adopted_total{source="amicas"}`:              1,
		`keysync_numbers_written_total{source="amicas"}`:              5,
		`keysync_conflicts_recorded_total{source="amicas"}`:           2,
		`keysync_polls_total{source="amicas"}`:                        2,
		`keysync_poll_errors_total{source="amicas"}`:                  0,
		`keysync_poll_errors_total{source="blog"}`:                    1,
		`keysync_backlog{source="amicas"}`:                            7,
		`keysync_conflicts_open{source="amicas",kind="shared_email"}`: 1,
		// Resolved since: kept at zero, so a graph falls instead of ending.
		`keysync_conflicts_open{source="amicas",kind="invalid_number"}`:    0,
		`keysync_conflicts_open{source="blog",kind="odd\"kind"}`:           0,
		`keysync_poll_duration_seconds_bucket{source="amicas",le="0.025"}`: 0,
		`keysync_poll_duration_seconds_bucket{source="amicas",le="0.05"}`:  1,
		`keysync_poll_duration_seconds_bucket{source="amicas",le="2.5"}`:   2,
		`keysync_poll_duration_seconds_bucket{source="amicas",le="+Inf"}`:  2,
		`keysync_poll_duration_seconds_count{source="amicas"}`:             2,
		`keysync_poll_duration_seconds_sum{source="amicas"}`:               2.03,
		`keysync_build_info{version="` + version + `"}`:                    1,
	} {
		if g, ok := got[series]; !ok || g != want {
			t.Errorf("%s = %v (present %v), want %v", series, g, ok, want)
		}
	}
	if _, ok := got[`keysync_backlog{source="blog"}`]; ok {
		t.Error("blog's backlog was never counted but is exported")
	}
	if _, ok := got[`keysync_last_successful_poll_timestamp_seconds{source="blog"}`]; ok {
		t.Error("blog never succeeded but has a last-success time")
	}
	if ts := got[`keysync_last_successful_poll_timestamp_seconds{source="amicas"}`]; time.Since(time.Unix(int64(ts), 0)) > time.Minute {
		t.Errorf("last success of amicas: %v", ts)
	}
}

// fakePollStore records RecordPoll calls and fails while err is set.
type fakePollStore struct {
	mu    sync.Mutex
	calls []string
	err   error
}

func (f *fakePollStore) RecordPoll(ctx context.Context, source string, ok bool, errText string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, source+" "+strconv.FormatBool(ok)+" "+errText)
	return f.err
}

// TestPollRecorder: each poll goes to the metrics and to the store; a store
// that fails is logged once per streak; a nil recorder does nothing.
func TestPollRecorder(t *testing.T) {
	var nilRec *pollRecorder
	nilRec.record(t.Context(), "amicas", time.Second, keysync.Counts{}, nil)
	nilRec.standby("amicas", standbyView{})

	logs := &syncBuffer{}
	store := &fakePollStore{}
	m := newMetrics("amicas")
	r := &pollRecorder{metrics: m, store: store, log: newLogger(logs, "json", "info")}
	r.record(t.Context(), "amicas", time.Second, keysync.Counts{Assigned: 2}, nil)
	r.record(t.Context(), "amicas", time.Second, keysync.Counts{}, errors.New("amicas: read new rows: timeout"))
	store.err = errors.New("central down")
	r.record(t.Context(), "amicas", time.Second, keysync.Counts{}, nil)
	r.record(t.Context(), "amicas", time.Second, keysync.Counts{}, nil)
	store.err = nil
	r.record(t.Context(), "amicas", time.Second, keysync.Counts{}, nil)

	want := []string{"amicas true ", "amicas false amicas: read new rows: timeout", "amicas true ", "amicas true ", "amicas true "}
	if strings.Join(store.calls, "|") != strings.Join(want, "|") {
		t.Errorf("calls %q, want %q", store.calls, want)
	}
	if n := strings.Count(logs.String(), "poll not recorded centrally"); n != 1 {
		t.Errorf("%d warnings for one streak:\n%s", n, logs.String())
	}
	if s := m.sources["amicas"]; s.polls != 5 || s.failed != 1 || s.counts.Assigned != 2 {
		t.Errorf("metrics: %+v", s)
	}
	// Standing by is the other daemon's to record centrally.
	r.standby("amicas", standbyView{})
	if len(store.calls) != 5 || m.sources["amicas"].standbyAt.IsZero() {
		t.Errorf("standby: %d calls, metrics %+v", len(store.calls), m.sources["amicas"])
	}
}

// TestStartMonitor: the daemon's server serves on the configured address,
// fills the backlog gauge from the portal, refuses an address in use, and
// ends with the daemon's context.
func TestStartMonitor(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 4, 6)
	setEnv(t, s.env)
	logs := &syncBuffer{}
	a, err := (&Main{Stdout: io.Discard, Stderr: logs, Hard: context.Background()}).newApp()
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	a.cfg.HTTPAddr = "127.0.0.1:0"

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	m := newMetrics(sourceNames(a.portals)...)
	if err := startMonitor(ctx, &wg, a, m); err != nil {
		t.Fatal(err)
	}
	var addr string
	eventually(t, 10*time.Second, "the listening address in the log", func() bool {
		for _, line := range strings.Split(logs.String(), "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "serving /healthz and /metrics" {
				addr, _ = l["addr"].(string)
			}
		}
		return addr != ""
	})
	fetch := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventually(t, 10*time.Second, "the backlog gauge", func() bool {
		_, body := fetch("/metrics")
		return strings.Contains(body, `keysync_backlog{source="amicas"} 6`)
	})
	if code, _ := fetch("/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz before a poll: %d", code)
	}
	m.observePoll("amicas", time.Millisecond, keysync.Counts{}, nil)
	if code, _ := fetch("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz after a poll: %d", code)
	}

	a.cfg.HTTPAddr = addr
	var wg2 sync.WaitGroup
	if err := startMonitor(ctx, &wg2, a, m); err == nil || !strings.Contains(err.Error(), "KEYSYNC_HTTP_ADDR") {
		t.Errorf("second server on %s: %v", addr, err)
	}

	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the monitor did not stop with its context")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after the context ended")
	}
}
