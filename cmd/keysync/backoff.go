package main

import "time"

// backoff is the wait between retries after errors. The first retry comes
// after base, the poll interval: a failing database is looked at again as
// often as a working one is polled. Each further failure doubles the wait, up
// to max (KEYSYNC_BACKOFF_MAX), so a database that stays down is not
// hammered; the first success resets it. The error log is rate-limited: the
// first failure, then once a minute.
type backoff struct {
	base, max time.Duration
	// now is the clock of the log limit and of down_for; time.Now if nil.
	now func() time.Time

	failures int
	since    time.Time
	lastLog  time.Time
}

// maxDoublings keeps base << n from overflowing.
const maxDoublings = 30

func newBackoff(base, max time.Duration) *backoff {
	if max > 0 && base > max {
		base = max
	}
	return &backoff{base: base, max: max}
}

func (b *backoff) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// next records a failure and returns how long to wait before the retry.
func (b *backoff) next() time.Duration {
	if b.failures == 0 {
		b.since = b.clock()
	}
	b.failures++
	d := b.base << min(b.failures-1, maxDoublings)
	if b.max > 0 && (d > b.max || d <= 0) {
		d = b.max
	}
	return d
}

// shouldLog reports whether this failure's error is logged: the first one,
// then one a minute.
func (b *backoff) shouldLog() bool {
	now := b.clock()
	if b.failures == 1 || now.Sub(b.lastLog) >= time.Minute {
		b.lastLog = now
		return true
	}
	return false
}

// downFor is the time since the first failure of the current run of them.
func (b *backoff) downFor() time.Duration { return b.clock().Sub(b.since) }

// reset forgets the failures after a success: the next failure waits base
// again.
func (b *backoff) reset() {
	b.failures, b.since, b.lastLog = 0, time.Time{}, time.Time{}
}
