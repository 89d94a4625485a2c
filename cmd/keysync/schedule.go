package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"keysync/config"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// reconcileSchedule runs the daemon's reconciliation of every source at the
// times KEYSYNC_RECONCILE_SCHEDULE names. It reports only: repairs, which
// overwrite values someone put into a portal, are for an operator to start
// with `keysync reconcile --repair`.
type reconcileSchedule struct {
	schedule cron.Schedule
	spec     string
	portals  []keysync.Portal
	rc       *reconcile.Reconciler
	log      *slog.Logger
	now      func() time.Time
	// after waits for a duration; tests replace it.
	after func(time.Duration) <-chan time.Time
	// refresh reads every row's master data after a source's
	// reconciliation (keysync.Engine.Refresh); nil reads none.
	refresh func(ctx context.Context, p keysync.Portal) error
	// forget forgets the persons due under KEYSYNC_FORGET_AFTER after a run
	// in which no source failed; nil forgets none.
	forget func(ctx context.Context) error
}

// startReconcileSchedule starts the schedule in a goroutine tracked by wg,
// which ends when ctx does; an empty schedule starts nothing. A run under
// way when ctx ends stops at once: each step of a reconciliation is
// committed centrally before the next begins, so the next run finds
// nothing half done.
func startReconcileSchedule(ctx context.Context, a *app, wg *sync.WaitGroup) {
	s, err := newReconcileSchedule(a)
	if err != nil {
		// Load validated the spec; this is a programming error.
		a.log.Error("reconciliation schedule", keysync.LogErr, err.Error())
		return
	}
	if s == nil {
		a.log.Info("reconciliation schedule off")
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.run(ctx)
	}()
}

// newReconcileSchedule returns nil for an empty schedule.
func newReconcileSchedule(a *app) (*reconcileSchedule, error) {
	spec := a.cfg.ReconcileSchedule
	if spec == "" {
		return nil, nil
	}
	sched, err := config.ParseSchedule(spec)
	if err != nil {
		return nil, err
	}
	s := &reconcileSchedule{schedule: sched, spec: spec, portals: a.portals, rc: newReconciler(a, nil),
		log: a.log.With("component", "reconcile-schedule"), now: time.Now, after: time.After}
	s.refresh = func(ctx context.Context, p keysync.Portal) error {
		c, err := a.engine(false).Refresh(ctx, ctx, p)
		if err != nil {
			s.log.Error("master data sweep failed", keysync.LogSource, p.Source.Name(), keysync.LogErr, err.Error())
			return err
		}
		s.log.Info("master data sweep done", keysync.LogSource, p.Source.Name(), "changed", c.Changed)
		return nil
	}
	if keep := a.cfg.ForgetAfter; keep > 0 {
		s.forget = func(ctx context.Context) error {
			_, err := forgetDue(ctx, a.store, keep, s.log)
			return err
		}
	}
	return s, nil
}

func (s *reconcileSchedule) run(ctx context.Context) {
	t := timetable{schedule: s.schedule, spec: s.spec, now: s.now, after: s.after, log: s.log, what: "reconciliation", level: slog.LevelInfo}
	t.run(ctx, s.once)
}

// timetable runs a job at the times of a schedule until ctx ends; the
// next time is reckoned after the job, so runs never overlap.
type timetable struct {
	schedule cron.Schedule
	spec     string
	now      func() time.Time
	after    func(time.Duration) <-chan time.Time
	log      *slog.Logger
	// what names the job in the log lines; level is that of the line
	// announcing each next run.
	what  string
	level slog.Level
}

func (t timetable) run(ctx context.Context, job func(context.Context)) {
	for {
		next := t.schedule.Next(t.now())
		if next.IsZero() {
			t.log.Warn(t.what+" schedule never fires again", "schedule", t.spec)
			return
		}
		t.log.Log(ctx, t.level, t.what+" scheduled", "schedule", t.spec, "next", next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return
		case <-t.after(time.Until(next)):
		}
		job(ctx)
	}
}

// once reconciles every source one after the other. A source another
// daemon is reconciling (a standby host on the same schedule) is skipped.
func (s *reconcileSchedule) once(ctx context.Context) {
	start := time.Now()
	s.log.Info("scheduled reconciliation started", "sources", len(s.portals))
	var failed, open int
	for _, p := range s.portals {
		if ctx.Err() != nil {
			return
		}
		name := p.Source.Name()
		if err := p.Source.Check(ctx); err != nil {
			failed++
			s.log.Error("reconciliation failed", keysync.LogSource, name, keysync.LogErr, err.Error())
			continue
		}
		rep, err := s.rc.Run(ctx, p, false)
		switch {
		case errors.Is(err, reconcile.ErrBusy):
			s.log.Info("reconciliation skipped: already running elsewhere", keysync.LogSource, name)
		case err != nil:
			failed++
		default:
			open += rep.OpenConflicts()
			if s.refresh != nil {
				if err := s.refresh(ctx, p); err != nil {
					failed++
				}
			}
		}
	}
	s.log.Info("scheduled reconciliation done", "failed", failed, reconcile.LogOpenConflicts, open,
		keysync.LogDuration, time.Since(start).Round(time.Millisecond).String())
	if s.forget != nil && failed == 0 {
		if err := s.forget(ctx); err != nil {
			s.log.Error("retention failed", keysync.LogErr, err.Error())
		}
	}
}
