package keysync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// PersonRecord is one person's master data as the sinks receive it, keyed
// by the customer number.
type PersonRecord struct {
	Number string
	HH     string
	PE     string
	// Fields are the person's master-data fields by name ("first_name",
	// "email", ...), each holding its current value.
	Fields map[string]string
	// Status is the person's central status: active, or retired (merged
	// into another person, whose number a sink then holds instead).
	Status     string
	Registered time.Time
	// Changed is when the person's record last changed.
	Changed time.Time
}

// Sink is one downstream system that receives persons' master data keyed
// by the customer number: the Excel master list, Outlook, combit, a
// CardDAV address book, Wibisoft. Each lives in a package of its own under
// sinks/.
//
// A delivery may be repeated (a crash after the sink confirmed but before
// the cursor moved), so a sink must be idempotent: an upsert by number, or
// a whole-file snapshot replaced atomically.
type Sink interface {
	// Name is the configured sink name; the change feed keeps a cursor per
	// name.
	Name() string
	// Export delivers the records. With full set they are every person,
	// and the sink replaces all it holds with them; otherwise they are the
	// persons changed since the last delivery. Returning nil confirms the
	// delivery.
	Export(ctx context.Context, persons []PersonRecord, full bool) error
}

// Change is one entry of the central change sequence: a person whose
// record changed, at a position that only grows.
type Change struct {
	Pos    uint64
	Number string
}

// ChangeFeed is the central change sequence as the exporter reads it.
// Every change a sink cares about gets a position in the same transaction
// as the change, and positions must become visible in order: a reader that
// has seen position n never sees a lower one appear later, or a sink whose
// cursor moved past it would miss that change.
type ChangeFeed interface {
	// Cursor returns the position of the last change the sink confirmed;
	// ok is false when it has confirmed nothing yet.
	Cursor(ctx context.Context, sink string) (pos uint64, ok bool, err error)
	// Changes returns up to limit changes after the position, in order.
	Changes(ctx context.Context, after uint64, limit int) ([]Change, error)
	// Head returns the position of the latest change.
	Head(ctx context.Context) (uint64, error)
	// Persons returns the current records of the persons with the given
	// numbers, retired ones included, or of every person when numbers is
	// nil.
	Persons(ctx context.Context, numbers []string) ([]PersonRecord, error)
	// Confirm moves the sink's cursor to the position, after the sink
	// confirmed every change up to it.
	Confirm(ctx context.Context, sink string, pos uint64) error
}

// Exporter delivers the persons changed since each sink's cursor to that
// sink, and moves the cursor only after the sink confirmed: a crash repeats
// a delivery, never loses one. A sink without a cursor yet gets a full
// export. One sink failing does not stop the others.
type Exporter struct {
	Feed  ChangeFeed
	Sinks []Sink
	// BatchSize is how many changes one delivery holds; 0 means 500.
	BatchSize int
	Logger    *slog.Logger
}

// Export delivers to every sink what it has not confirmed yet; with full
// set every sink gets every person, whatever its cursor. It returns the
// errors of the sinks that failed, joined.
func (e *Exporter) Export(ctx context.Context, full bool) error {
	var errs []error
	for _, s := range e.Sinks {
		if err := e.exportTo(ctx, s, full); err != nil {
			e.logger().Error("export failed", LogSink, s.Name(), LogErr, err.Error())
			errs = append(errs, fmt.Errorf("%s: %w", s.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// exportTo brings one sink up to date.
func (e *Exporter) exportTo(ctx context.Context, s Sink, full bool) error {
	cursor, ok, err := e.Feed.Cursor(ctx, s.Name())
	if err != nil {
		return fmt.Errorf("read cursor: %w", err)
	}
	if full || !ok {
		return e.exportAll(ctx, s)
	}
	return e.exportChanges(ctx, s, cursor)
}

// exportAll gives the sink every person. The head is read before the
// persons, so that a change made meanwhile is delivered again rather than
// missed.
func (e *Exporter) exportAll(ctx context.Context, s Sink) error {
	head, err := e.Feed.Head(ctx)
	if err != nil {
		return fmt.Errorf("read head: %w", err)
	}
	persons, err := e.Feed.Persons(ctx, nil)
	if err != nil {
		return fmt.Errorf("read persons: %w", err)
	}
	if err := s.Export(ctx, persons, true); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	e.logger().Info("persons exported", LogSink, s.Name(), LogCount, len(persons), LogFull, true)
	return e.confirm(ctx, s, head)
}

// exportChanges gives the sink the persons changed after its cursor, a
// batch of changes at a time, moving the cursor after each delivery.
func (e *Exporter) exportChanges(ctx context.Context, s Sink, cursor uint64) error {
	for ctx.Err() == nil {
		changes, err := e.Feed.Changes(ctx, cursor, e.batchSize())
		if err != nil {
			return fmt.Errorf("read changes: %w", err)
		}
		if len(changes) == 0 {
			return nil
		}
		persons, err := e.Feed.Persons(ctx, changedNumbers(changes))
		if err != nil {
			return fmt.Errorf("read persons: %w", err)
		}
		if err := s.Export(ctx, persons, false); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		e.logger().Info("persons exported", LogSink, s.Name(), LogCount, len(persons), LogFull, false)
		cursor = changes[len(changes)-1].Pos
		if err := e.confirm(ctx, s, cursor); err != nil {
			return err
		}
		if len(changes) < e.batchSize() {
			return nil
		}
	}
	return ctx.Err()
}

func (e *Exporter) confirm(ctx context.Context, s Sink, pos uint64) error {
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
