package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Exporter delivers the persons changed since each sink's cursor to that
// sink, and moves the cursor only after the sink confirmed: a crash repeats
// a delivery, never loses one. A sink without a cursor yet gets a full
// export. One sink failing does not stop the others.
type Exporter struct {
	Feed  ChangeFeed
	Sinks []Sink
	// BatchSize is how many changes one delivery holds; 0 means 500.
	BatchSize int
	// DryRun asks the sinks what they would write and moves no cursor.
	DryRun bool
	Logger *slog.Logger
}

// SinkReport is what one export did for one sink.
type SinkReport struct {
	Sink string
	Result
	// Full is true when the sink got every person.
	Full bool
	// Err is why the sink failed; nil when it is up to date.
	Err error
}

// Export delivers to every sink what it has not confirmed yet; with full
// set every sink gets every person, whatever its cursor. It reports on
// every sink and returns the errors of the sinks that failed, joined.
func (e *Exporter) Export(ctx context.Context, full bool) ([]SinkReport, error) {
	var errs []error
	reports := make([]SinkReport, 0, len(e.Sinks))
	for _, s := range e.Sinks {
		r := e.exportTo(ctx, s, full)
		if r.Err != nil {
			e.logger().Error("export failed", LogSink, s.Name(), LogErr, r.Err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), r.Err))
		}
		reports = append(reports, r)
	}
	return reports, errors.Join(errs...)
}

// exportTo brings one sink up to date.
func (e *Exporter) exportTo(ctx context.Context, s Sink, full bool) SinkReport {
	r := SinkReport{Sink: s.Name()}
	cursor, ok, err := e.Feed.Cursor(ctx, s.Name())
	switch {
	case err != nil:
		r.Err = fmt.Errorf("read cursor: %w", err)
	case full || !ok:
		r.Full = true
		r.Result, r.Err = e.exportAll(ctx, s)
	case s.Snapshot():
		r.Full = true
		r.Result, r.Err = e.exportSnapshot(ctx, s, cursor)
	default:
		r.Result, r.Err = e.exportChanges(ctx, s, cursor)
	}
	return r
}

// exportAll gives the sink every person, all counting as changed.
func (e *Exporter) exportAll(ctx context.Context, s Sink) (Result, error) {
	head, err := e.Feed.Head(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("read head: %w", err)
	}
	return e.deliverAll(ctx, s, head, nil)
}

// exportSnapshot gives a snapshot sink every person when any changed since
// its cursor, and tells it which.
func (e *Exporter) exportSnapshot(ctx context.Context, s Sink, cursor uint64) (Result, error) {
	head, err := e.Feed.Head(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("read head: %w", err)
	}
	if head <= cursor {
		return Result{}, nil
	}
	changed, err := e.changedUpTo(ctx, cursor, head)
	if err != nil {
		return Result{}, err
	}
	return e.deliverAll(ctx, s, head, func(n string) bool { return changed[n] })
}

// changedUpTo collects the persons changed after the cursor up to the head.
func (e *Exporter) changedUpTo(ctx context.Context, cursor, head uint64) (map[string]bool, error) {
	changed := map[string]bool{}
	for cursor < head {
		changes, err := e.Feed.Changes(ctx, cursor, e.batchSize())
		if err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		if len(changes) == 0 {
			break
		}
		for _, c := range changes {
			if c.Pos <= head {
				changed[c.Number] = true
			}
		}
		cursor = changes[len(changes)-1].Pos
	}
	return changed, nil
}

// deliverAll streams every person to the sink and moves its cursor to the
// head. The head is read before the persons, so that a change made
// meanwhile is delivered again rather than missed.
func (e *Exporter) deliverAll(ctx context.Context, s Sink, head uint64, changed func(string) bool) (Result, error) {
	d := Delivery{Full: true, Persons: e.Feed.Persons(ctx, nil), Changed: changed, DryRun: e.DryRun}
	res, err := s.Export(ctx, d)
	if err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	e.logDelivered(s, res, true)
	return res, e.confirm(ctx, s, head)
}

// exportChanges gives the sink the persons changed after its cursor, a
// batch of changes at a time, moving the cursor after each delivery.
func (e *Exporter) exportChanges(ctx context.Context, s Sink, cursor uint64) (Result, error) {
	var total Result
	for ctx.Err() == nil {
		changes, err := e.Feed.Changes(ctx, cursor, e.batchSize())
		if err != nil {
			return total, fmt.Errorf("read changes: %w", err)
		}
		if len(changes) == 0 {
			return total, nil
		}
		d := Delivery{Persons: e.Feed.Persons(ctx, changedNumbers(changes)), DryRun: e.DryRun}
		res, err := s.Export(ctx, d)
		total.Add(res)
		if err != nil {
			return total, fmt.Errorf("export: %w", err)
		}
		e.logDelivered(s, res, false)
		cursor = changes[len(changes)-1].Pos
		if err := e.confirm(ctx, s, cursor); err != nil {
			return total, err
		}
		if len(changes) < e.batchSize() {
			return total, nil
		}
	}
	return total, ctx.Err()
}

func (e *Exporter) logDelivered(s Sink, res Result, full bool) {
	e.logger().Info("persons exported", LogSink, s.Name(), LogCount, res.Written,
		LogChanged, res.Changed, LogRemoved, res.Removed, LogFull, full, LogDryRun, e.DryRun)
}

// confirm moves the sink's cursor, except in a dry run, which delivered
// nothing.
func (e *Exporter) confirm(ctx context.Context, s Sink, pos uint64) error {
	if e.DryRun {
		return nil
	}
	if err := e.Feed.Confirm(ctx, s.Name(), pos); err != nil {
		return fmt.Errorf("move cursor to %d: %w", pos, err)
	}
	return nil
}

// changedNumbers lists the persons of the changes, each once, in the order
// of their first change.
func changedNumbers(changes []Change) []string {
	seen := make(map[string]bool, len(changes))
	var out []string
	for _, c := range changes {
		if !seen[c.Number] {
			seen[c.Number] = true
			out = append(out, c.Number)
		}
	}
	return out
}

func (e *Exporter) batchSize() int {
	if e.BatchSize <= 0 {
		return 500
	}
	return e.BatchSize
}

func (e *Exporter) logger() *slog.Logger { return loggerOr(e.Logger) }
