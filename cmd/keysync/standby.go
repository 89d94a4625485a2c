package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	keysync "keysync/sync"
)

// standbyPolls is how many poll intervals a source may go without a poll
// recorded by any keysync before a daemon standing by for it calls it
// halted: the same margin /healthz gives a working daemon.
const standbyPolls = 3

// standbyView is what a daemon on standby knows of its source.
type standbyView struct {
	// since is when this daemon began to stand by.
	since time.Time
	// holder is the central server's connection id of the session
	// holding the source lock, 0 when unknown.
	holder int64
	// lastPoll is the last poll any keysync recorded centrally (keysync
	// once too), successful or not; zero when none is recorded.
	lastPoll time.Time
}

// unpolled is how long no keysync has polled the source, as far as a
// standby can tell: since the last recorded poll, or since it began to
// stand by when none is recorded.
func (v standbyView) unpolled(now time.Time) time.Duration {
	if v.lastPoll.IsZero() {
		return now.Sub(v.since)
	}
	return now.Sub(v.lastPoll)
}

// halted reports whether the source went more than standbyPolls poll
// intervals without a poll: the lock's holder does not work it, be it a
// keysync that hangs or a session that is no keysync at all.
func (v standbyView) halted(now time.Time, interval time.Duration) bool {
	return v.unpolled(now) > standbyPolls*interval
}

// lastPollText is the last poll for a log line: "never" or the time.
func (v standbyView) lastPollText() string {
	if v.lastPoll.IsZero() {
		return "never"
	}
	return v.lastPoll.UTC().Format(time.RFC3339)
}

// holderText names the lock's holder for a human.
func (v standbyView) holderText() string {
	if v.holder == 0 {
		return "another session holds the source lock"
	}
	return fmt.Sprintf("connection %d holds the source lock", v.holder)
}

// standbyWatch tells a daemon on standby whether anyone works the source.
// The source lock is a named lock any session of the central server can
// take, so standing by is not proof that another keysync polls: the
// central record of the polls is. A source without a poll for more than
// standbyPolls intervals is a WARN line at once and then once a minute,
// and an INFO line when polls come again. Its methods are safe on nil,
// which watches nothing.
type standbyWatch struct {
	interval time.Duration
	// holder and lastPoll read the lock's holder and the last poll
	// recorded centrally; a failed read keeps what was read before.
	holder   func(ctx context.Context) (int64, error)
	lastPoll func(ctx context.Context) (time.Time, error)
	now      func() time.Time
	log      *slog.Logger

	view     standbyView
	halted   bool
	lastWarn time.Time
}

// newStandbyWatch watches lock's source for the daemon of a.
func newStandbyWatch(a *app, lock *sourceLock, log *slog.Logger) *standbyWatch {
	return &standbyWatch{interval: a.cfg.PollInterval, holder: lock.holder, now: time.Now, log: log,
		lastPoll: func(ctx context.Context) (time.Time, error) {
			states, err := a.store.SourceStates(ctx)
			return states[lock.source].LastPollAt, err
		}}
}

// observe reads the lock's holder and the last poll, once per round on
// standby.
func (w *standbyWatch) observe(ctx context.Context) standbyView {
	if w == nil {
		return standbyView{}
	}
	if w.view.since.IsZero() {
		w.view.since = w.now()
	}
	if id, err := w.holder(ctx); err == nil {
		w.view.holder = id
	} else {
		w.log.Debug("source lock holder not read", keysync.LogErr, err.Error())
	}
	if t, err := w.lastPoll(ctx); err == nil {
		w.view.lastPoll = t
	} else {
		w.log.Debug("last poll not read", keysync.LogErr, err.Error())
	}
	return w.view
}

// report logs a halted source: at once, then once a minute while it
// lasts, and once when polls come again.
func (w *standbyWatch) report() {
	if w == nil {
		return
	}
	now := w.now()
	halted := w.view.halted(now, w.interval)
	switch {
	case halted && (!w.halted || now.Sub(w.lastWarn) >= time.Minute):
		w.lastWarn = now
		w.log.Warn("standby: no keysync polls the source", logStandbyFor, now.Sub(w.view.since).Round(time.Second).String(),
			logUnpolledFor, w.view.unpolled(now).Round(time.Second).String(), logLastPoll, w.view.lastPollText(), logLockHolder, w.view.holder)
	case !halted && w.halted:
		w.log.Info("standby: the source is polled again", logLastPoll, w.view.lastPollText(), logLockHolder, w.view.holder)
	}
	w.halted = halted
}

// end forgets the standby once this daemon holds the source, and returns
// how long it stood by.
func (w *standbyWatch) end() time.Duration {
	if w == nil || w.view.since.IsZero() {
		return 0
	}
	d := w.now().Sub(w.view.since)
	w.view, w.halted, w.lastWarn = standbyView{}, false, time.Time{}
	return d
}

// Attribute keys of the standby's log lines.
const (
	logStandbyFor  = "standby_for"
	logUnpolledFor = "unpolled_for"
	logLastPoll    = "last_poll"
	logLockHolder  = "lock_holder"
)
