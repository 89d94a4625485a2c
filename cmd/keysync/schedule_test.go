package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// appFor builds the app of a site in-process, as `keysync run` does.
func appFor(t *testing.T, env []string) (*app, *bytes.Buffer) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "KEYSYNC_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var logs bytes.Buffer
	m := &Main{Stdout: &logs, Stderr: &syncWriter{b: &logs}}
	a, err := m.newApp()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.close)
	return a, &logs
}

type syncWriter struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestSchedule_ParsesSpecs(t *testing.T) {
	s := newSite(t, "amicas")
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.Local)
	for spec, want := range map[string]time.Time{
		"0 3 * * *":    time.Date(2025, 6, 2, 3, 0, 0, 0, time.Local),
		"@hourly":      time.Date(2025, 6, 1, 13, 0, 0, 0, time.Local),
		"30 2 * * 1-5": time.Date(2025, 6, 2, 2, 30, 0, 0, time.Local), // 1 June 2025 is a Sunday
	} {
		a, _ := appFor(t, s.with("KEYSYNC_RECONCILE_SCHEDULE="+spec))
		sched, err := newReconcileSchedule(a)
		if err != nil || sched == nil {
			t.Fatalf("%q: %v", spec, err)
		}
		if got := sched.schedule.Next(at); !got.Equal(want) {
			t.Errorf("%q: next after %v = %v, want %v", spec, at, got, want)
		}
	}
	a, _ := appFor(t, s.with("KEYSYNC_RECONCILE_SCHEDULE="))
	if sched, err := newReconcileSchedule(a); sched != nil || err != nil {
		t.Errorf("empty schedule: %v, %v, want off", sched, err)
	}
	a, _ = appFor(t, s.env)
	if a.cfg.ReconcileSchedule != "0 3 * * *" {
		t.Errorf("default schedule %q", a.cfg.ReconcileSchedule)
	}
	// A spec that does not parse never gets this far: Load refuses it.
	code, _, stderr := runMain(t, s.with("KEYSYNC_RECONCILE_SCHEDULE=0 25 * * *"), "config")
	if code != ExitUsage || !strings.Contains(stderr, "KEYSYNC_RECONCILE_SCHEDULE") {
		t.Errorf("bad spec: exit %d, %s", code, stderr)
	}
}

// TestSchedule_Runs starts the schedule as the daemon does, with a clock
// that fires at once, and waits for a reconciliation recorded centrally;
// cancelling the context ends the goroutine.
func TestSchedule_Runs(t *testing.T) {
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 31, 10)
	s.mustRun(0, "once")
	a, logs := appFor(t, s.with("KEYSYNC_RECONCILE_SCHEDULE=@every 1h"))
	sched, err := newReconcileSchedule(a)
	if err != nil {
		t.Fatal(err)
	}
	fired := make(chan time.Time)
	sched.after = func(time.Duration) <-chan time.Time { return fired }
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sched.run(ctx)
	}()
	fired <- time.Now()
	eventually(t, time.Minute, "a scheduled reconciliation", func() bool {
		return scalar[int](t, s.central, "SELECT COUNT(*) FROM reconciliations WHERE source = 'amicas' AND status = 'clean' AND repair = 0") == 1
	})
	cancel()
	wg.Wait()
	for _, msg := range []string{`"msg":"reconciliation scheduled"`, `"msg":"scheduled reconciliation done"`, `"msg":"reconciliation finished"`} {
		if !strings.Contains(logs.String(), msg) {
			t.Errorf("log lacks %s:\n%s", msg, logs)
		}
	}

	// startReconcileSchedule tracks its goroutine in the WaitGroup.
	ctx, cancel = context.WithCancel(context.Background())
	startReconcileSchedule(ctx, a, &wg)
	cancel()
	wg.Wait()
}

// TestSchedule_ForgetsDue: with KEYSYNC_FORGET_AFTER, a scheduled run in
// which no source failed forgets the persons due, one log line each.
func TestSchedule_ForgetsDue(t *testing.T) {
	s := newMasterSite(t)
	s.deleteInPortals()
	s.mustRun(0, "once")
	testdb.MustExec(t, s.central, "UPDATE accounts SET deleted_at = deleted_at - INTERVAL 3 DAY")
	a, _ := appFor(t, s.with("KEYSYNC_RECONCILE_SCHEDULE=@every 1h"))
	if sched, err := newReconcileSchedule(a); err != nil || sched.forget != nil {
		t.Fatalf("schedule without KEYSYNC_FORGET_AFTER: forget set %v, %v; want none", sched != nil && sched.forget != nil, err)
	}
	a, logs := appFor(t, s.with("KEYSYNC_RECONCILE_SCHEDULE=@every 1h", "KEYSYNC_FORGET_AFTER=2d"))
	sched, err := newReconcileSchedule(a)
	if err != nil {
		t.Fatal(err)
	}
	sched.once(t.Context())
	if got := scalar[string](t, s.central, "SELECT status FROM persons WHERE number = ?", s.number); got != "forgotten" {
		t.Errorf("the member is %s after the scheduled run, want forgotten", got)
	}
	if !strings.Contains(logs.String(), `"msg":"person forgotten","component":"reconcile-schedule","number":"`+s.number+`"`) {
		t.Errorf("no log line person forgotten with the number:\n%s", logs)
	}
	s.wantForgotten("after the scheduled run")
}
