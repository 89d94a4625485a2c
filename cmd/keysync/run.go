package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// runCommand is the daemon: one loop per portal, each polling on its own,
// retrying with back-off, never stopping the others.
func init() {
	register("run", "", "the daemon: poll every portal, assign, write back; reconcile on schedule; the registration API", func(m *Main) command { return &runCommand{m: m} })
}

type runCommand struct {
	m *Main
}

func (c *runCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.flagSet("run", "Usage: keysync run\n\nThe daemon. Polls every source each KEYSYNC_POLL_INTERVAL; SIGTERM finishes the current batch and exits 0.")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	a, err := c.m.newApp()
	if err != nil {
		return err
	}
	defer a.close()

	// A configuration mistake a source finds in its portal (a mapped
	// column the table lacks) ends the daemon with exit code 2.
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	a.log.Info("keysync starting", "version", version, "sources", len(a.portals), "poll_interval", a.cfg.PollInterval.String())
	defer logStops(ctx, c.m.Hard, a.log)()
	n := newNotifier()
	notifyErr := func(err error) { a.log.Warn("systemd notify", keysync.LogErr, err.Error()) }
	done := make(chan struct{})
	defer close(done)
	go n.runWatchdog(done, notifyErr)
	n.beat("central")
	if err := waitForCentral(ctx, a, n); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	n.forget("central")
	eng := a.engine(false)
	eng.Beat = n.beat
	met := newMetrics(sourceNames(a.portals)...)
	met.retries = a.store.Retries.Load
	rec := &pollRecorder{metrics: met, store: a.store, log: a.log}

	// READY once every loop has made its first attempt: each source is
	// then connected, standing by, or retrying with back-off.
	var started sync.WaitGroup
	var wg sync.WaitGroup
	if a.cfg.HTTPAddr != "" {
		if err := startMonitor(ctx, &wg, a, met); err != nil {
			return err
		}
	}
	gates := map[string]*sourceGate{}
	for _, p := range a.portals {
		gates[p.Source.Name()] = &sourceGate{}
	}
	if a.cfg.API.Addr != "" {
		if err := startAPI(ctx, c.m.Hard, &wg, a, eng, gates); err != nil {
			return err
		}
	}
	for _, p := range a.portals {
		name := p.Source.Name()
		n.beat(name)
		lock, log := newSourceLock(a.store.DB(), name), a.log.With(keysync.LogSource, name)
		l := &pollLoop{engine: eng, portal: p, hard: c.m.Hard, interval: a.cfg.PollInterval, backoffMax: a.cfg.BackoffMax,
			lock: lock, beat: func() { n.beat(name) }, rec: rec, log: log, fatal: stop, gate: gates[name],
			watch: newStandbyWatch(a, lock, log)}
		started.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.run(ctx, started.Done)
		}()
	}
	startReconcileSchedule(ctx, a, &wg)
	if err := startSinkSchedules(ctx, a, &wg, met); err != nil {
		stop(nil)
		wg.Wait()
		return err
	}
	started.Wait()
	if err := n.send("READY=1\nSTATUS=polling " + strconv.Itoa(len(a.portals)) + " sources"); err != nil {
		notifyErr(err)
	}
	wg.Wait()
	_ = n.send("STOPPING=1")
	if cause := context.Cause(ctx); errors.Is(cause, keysync.ErrConfig) {
		a.log.Error("keysync stopped: configuration error", keysync.LogErr, cause.Error())
		return &exitError{ExitUsage, fmt.Errorf("configuration:\n%w", cause)}
	}
	a.log.Info("keysync stopped")
	return nil
}

// waitForCentral waits until the central database answers with a current
// schema. Unreachable is retried with back-off (the daemon must survive a
// database that starts after it); an outdated schema needs a human and ends
// the daemon.
//
// Retrying counts as ready for systemd (READY=1 with a STATUS saying so):
// a start timeout must not kill a daemon that waits for its database.
func waitForCentral(ctx context.Context, a *app, n *notifier) error {
	b := newBackoff(a.cfg.PollInterval, a.cfg.BackoffMax)
	for {
		n.beat("central")
		err := a.store.CheckSchema(ctx)
		if err == nil {
			if b.failures > 0 {
				a.log.Info("central database recovered", logFailures, b.failures, logDownFor, b.downFor().Round(time.Millisecond).String())
			}
			return nil
		}
		if errors.Is(err, central.ErrSchemaOutdated) {
			return err
		}
		wait := b.next()
		if b.failures == 1 {
			_ = n.send("READY=1\nSTATUS=central database unavailable, retrying")
		}
		if b.shouldLog() {
			a.log.Error("central database unavailable, retrying", keysync.LogErr, err.Error(), logRetryIn, wait.String(), logFailures, b.failures)
		}
		a.log.Debug("retry scheduled", logRetryIn, wait.String(), logFailures, b.failures)
		if !sleepBeating(ctx, wait, func() { n.beat("central") }) {
			return ctx.Err()
		}
	}
}

// Attribute keys of the poll loops' log lines.
const (
	logRetryIn  = "retry_in"
	logFailures = "failures"
	logDownFor  = "down_for"
	logRound    = "round"
)

// pollLoop polls one portal.
type pollLoop struct {
	engine     *keysync.Engine
	portal     keysync.Portal
	hard       context.Context
	interval   time.Duration
	backoffMax time.Duration
	lock       *sourceLock
	beat       func()
	rec        *pollRecorder
	log        *slog.Logger
	// gate lets the registration API work the source while this loop
	// holds it and has checked the portal.
	gate *sourceGate
	// watch tells, while this loop stands by, whether anyone polls.
	watch *standbyWatch
	// wait, if set, replaces the sleep between rounds.
	wait func(ctx context.Context, d time.Duration) bool
	// now, if set, replaces the clock that times the rounds.
	now func() time.Time
	// fatal stops the daemon for an error no retry can fix.
	fatal func(error)
}

func (l *pollLoop) run(ctx context.Context, started func()) {
	defer l.lock.close()
	b := newBackoff(l.interval, l.backoffMax)
	checked, standby := false, false
	for round := 1; ; round++ {
		l.log.Debug("poll round", logRound, round)
		began := l.clock()
		held, err := l.lock.ensure(l.hard)
		switch {
		case err != nil:
		case !held:
			view := l.watch.observe(l.hard)
			if !standby {
				l.log.Info("standby: another keysync works this source", logLockHolder, view.holder)
				standby = true
			}
			l.watch.report()
			l.rec.standby(l.portal.Source.Name(), view)
		default:
			if standby {
				l.log.Info("took over the source", logStandbyFor, l.watch.end().Round(time.Millisecond).String())
				standby = false
			}
			err = l.poll(ctx, &checked)
		}
		l.gate.set(err == nil && held && checked)
		if round == 1 {
			started()
		}
		l.beat()
		wait := l.untilNextRound(began)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, keysync.ErrConfig):
			l.log.Error("configuration error", keysync.LogErr, err.Error())
			l.fatal(err)
			return
		case err != nil:
			checked = false // the schema may be why: look again before the next try
			wait = b.next()
			if b.shouldLog() {
				l.log.Error("poll failed, retrying", keysync.LogErr, err.Error(), logRetryIn, wait.String(), logFailures, b.failures)
			}
			l.log.Debug("retry scheduled", logRetryIn, wait.String(), logFailures, b.failures)
		case b.failures > 0 && held:
			l.log.Info("recovered", logFailures, b.failures, logDownFor, b.downFor().Round(time.Millisecond).String())
			b.reset()
		}
		if !l.sleep(ctx, wait) {
			return
		}
	}
}

// untilNextRound is the wait after a good round that began at began: the
// rest of the poll interval counted from the round's start, so that a
// registration waits at most one interval plus one pass, not plus two; a
// round that took longer than the interval is followed at once.
func (l *pollLoop) untilNextRound(began time.Time) time.Duration {
	return max(0, l.interval-l.clock().Sub(began))
}

func (l *pollLoop) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// sleep waits d, beating meanwhile so a long back-off is not taken for a
// hung loop; it returns false when ctx ends. Tests replace it (wait) to
// see the waits without waiting.
func (l *pollLoop) sleep(ctx context.Context, d time.Duration) bool {
	if l.wait != nil {
		return l.wait(ctx, d)
	}
	return sleepBeating(ctx, d, l.beat)
}

func sleepBeating(ctx context.Context, d time.Duration, beat func()) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-tick.C:
			beat()
		}
	}
}

func (l *pollLoop) poll(ctx context.Context, checked *bool) (err error) {
	start := time.Now()
	var c keysync.Counts
	defer func() { l.rec.record(l.hard, l.portal.Source.Name(), time.Since(start), c, err) }()
	if !*checked {
		if err := l.portal.Source.Check(l.hard); err != nil {
			return err
		}
		*checked = true
	}
	l.gate.set(true)
	c, err = l.engine.Pass(ctx, l.hard, l.portal)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		err = nil
	}
	if c != (keysync.Counts{}) {
		l.log.Info("poll done", "assigned", c.Assigned, "adopted", c.Adopted, "linked", c.Linked, "written", c.Written,
			"conflicts", c.Conflicts, keysync.LogDuration, time.Since(start).Round(time.Millisecond).String())
	}
	return err
}
