package keysync_test

import (
	"context"
	"errors"
	"iter"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	keysync "keysync/sync"
)

// memFeed is a ChangeFeed held in memory: the change sequence, the current
// records and a cursor per sink.
type memFeed struct {
	changes []keysync.Change
	persons map[string]keysync.PersonRecord
	cursors map[string]uint64
	// beforePersons, when set, runs as Persons is called: a change made
	// while an export reads.
	beforePersons func()
	confirmErr    error
}

func newMemFeed(numbers ...string) *memFeed {
	f := &memFeed{persons: map[string]keysync.PersonRecord{}, cursors: map[string]uint64{}}
	for _, n := range numbers {
		f.change(n, "first")
	}
	return f
}

// change records a new value of a person's field, as a change.
func (f *memFeed) change(number, name string) {
	p := f.persons[number]
	p.Number, p.Status = number, keysync.PersonActive
	p.Fields = map[keysync.Field]string{keysync.FieldFirstName: name}
	f.persons[number] = p
	f.changes = append(f.changes, keysync.Change{Pos: uint64(len(f.changes) + 1), Number: number})
}

func (f *memFeed) Cursor(_ context.Context, sink string) (uint64, bool, error) {
	pos, ok := f.cursors[sink]
	return pos, ok, nil
}

func (f *memFeed) Changes(_ context.Context, after uint64, limit int) ([]keysync.Change, error) {
	var out []keysync.Change
	for _, c := range f.changes {
		if c.Pos > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *memFeed) Head(context.Context) (uint64, error) { return uint64(len(f.changes)), nil }

func (f *memFeed) Persons(_ context.Context, numbers []string) iter.Seq2[keysync.PersonRecord, error] {
	return func(yield func(keysync.PersonRecord, error) bool) {
		if f.beforePersons != nil {
			f.beforePersons()
		}
		if numbers == nil {
			for n := range f.persons {
				numbers = append(numbers, n)
			}
			slices.Sort(numbers)
		}
		for _, n := range numbers {
			if p, ok := f.persons[n]; ok && !yield(p, nil) {
				return
			}
		}
	}
}

func (f *memFeed) Confirm(_ context.Context, sink string, pos uint64) error {
	if f.confirmErr != nil {
		return f.confirmErr
	}
	f.cursors[sink] = pos
	return nil
}

// delivery is one Export call a sink received: the persons, and for a
// snapshot those marked as changed.
type delivery struct {
	numbers []string
	full    bool
	changed []string
}

// memSink records what it is given; while fail is set it refuses.
type memSink struct {
	name       string
	snapshot   bool
	fail       error
	deliveries []delivery
}

var _ keysync.Sink = (*memSink)(nil)

func (s *memSink) Name() string   { return s.name }
func (s *memSink) Snapshot() bool { return s.snapshot }

func (s *memSink) Export(_ context.Context, d keysync.Delivery) (keysync.Result, error) {
	if s.fail != nil {
		return keysync.Result{}, s.fail
	}
	got := delivery{full: d.Full}
	for p, err := range d.Persons {
		if err != nil {
			return keysync.Result{}, err
		}
		got.numbers = append(got.numbers, p.Number)
		if s.snapshot && d.IsChanged(p.Number) {
			got.changed = append(got.changed, p.Number)
		}
	}
	s.deliveries = append(s.deliveries, got)
	return keysync.Result{Written: len(got.numbers), Changed: len(got.changed), Where: s.name}, nil
}

func exporter(f *memFeed, batch int, sinks ...keysync.Sink) *keysync.Exporter {
	return &keysync.Exporter{Feed: f, Sinks: sinks, BatchSize: batch, Logger: slog.New(slog.DiscardHandler)}
}

func mustExport(tb testing.TB, e *keysync.Exporter, full bool) []keysync.SinkReport {
	tb.Helper()
	reports, err := e.Export(tb.Context(), full)
	if err != nil {
		tb.Fatalf("Export: %v", err)
	}
	return reports
}

func wantDeliveries(tb testing.TB, s *memSink, want ...delivery) {
	tb.Helper()
	if !reflect.DeepEqual(s.deliveries, want) {
		tb.Errorf("%s got %+v, want %+v", s.name, s.deliveries, want)
	}
	s.deliveries = nil
}

// TestExporter_FirstFullThenChanges: a sink without a cursor gets every
// person; afterwards only the persons changed since, each once per
// delivery, a batch of changes at a time, the cursor following each.
func TestExporter_FirstFullThenChanges(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001", "002", "003")
	excel := &memSink{name: "excel"}
	e := exporter(f, 3, excel)

	mustExport(t, e, false)
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003"}, true, nil})
	if got := f.cursors["excel"]; got != 3 {
		t.Errorf("cursor=%d after the full export, want the head 3", got)
	}

	mustExport(t, e, false)
	wantDeliveries(t, excel)

	f.change("002", "Anna")
	f.change("004", "Bert")
	f.change("002", "Anni")
	f.change("001", "Carl")
	mustExport(t, e, false)
	wantDeliveries(t, excel, delivery{[]string{"002", "004"}, false, nil}, delivery{[]string{"001"}, false, nil})
	if got := f.cursors["excel"]; got != 7 {
		t.Errorf("cursor=%d, want 7", got)
	}
}

// TestExporter_CursorMovesOnlyAfterTheSinkConfirmed: a sink that fails
// keeps its cursor and gets the same persons again next time; the other
// sinks are served meanwhile.
func TestExporter_CursorMovesOnlyAfterTheSinkConfirmed(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001")
	outlook, combit := &memSink{name: "outlook"}, &memSink{name: "combit"}
	e := exporter(f, 10, outlook, combit)
	mustExport(t, e, false)
	wantDeliveries(t, outlook, delivery{[]string{"001"}, true, nil})
	wantDeliveries(t, combit, delivery{[]string{"001"}, true, nil})

	f.change("001", "Anna")
	f.change("002", "Bert")
	outlook.fail = errors.New("share not mounted")
	reports, err := e.Export(t.Context(), false)
	if err == nil || !strings.Contains(err.Error(), "outlook") || !strings.Contains(err.Error(), "share not mounted") {
		t.Errorf("Export=%v, want outlook's error", err)
	}
	if got := f.cursors["outlook"]; got != 1 {
		t.Errorf("outlook's cursor=%d after a failed delivery, want 1", got)
	}
	if len(reports) != 2 || reports[0].Err == nil || reports[1].Err != nil || reports[1].Written != 2 {
		t.Errorf("reports=%+v, want outlook failed and combit with 2 persons written", reports)
	}
	wantDeliveries(t, combit, delivery{[]string{"001", "002"}, false, nil})

	outlook.fail = nil
	mustExport(t, e, false)
	wantDeliveries(t, outlook, delivery{[]string{"001", "002"}, false, nil})
	wantDeliveries(t, combit)
}

// TestExporter_UnconfirmedCursorRepeatsTheDelivery: when the cursor cannot
// be moved after the sink took the persons, the next export delivers them
// again: a delivery is repeated, never lost.
func TestExporter_UnconfirmedCursorRepeatsTheDelivery(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001")
	carddav := &memSink{name: "carddav"}
	e := exporter(f, 10, carddav)
	mustExport(t, e, false)
	wantDeliveries(t, carddav, delivery{[]string{"001"}, true, nil})

	f.change("002", "Bert")
	f.confirmErr = errors.New("central database gone")
	if _, err := e.Export(t.Context(), false); err == nil {
		t.Error("Export succeeded although the cursor could not move")
	}
	wantDeliveries(t, carddav, delivery{[]string{"002"}, false, nil})
	f.confirmErr = nil
	mustExport(t, e, false)
	wantDeliveries(t, carddav, delivery{[]string{"002"}, false, nil})
}

// TestExporter_FullExportKeepsChangesMadeMeanwhile: a full export, asked
// for or the first, moves the cursor only to the head read before the
// persons; a change made while they are read is delivered again after.
func TestExporter_FullExportKeepsChangesMadeMeanwhile(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001", "002")
	wibisoft := &memSink{name: "wibisoft"}
	e := exporter(f, 10, wibisoft)
	mustExport(t, e, false)
	wantDeliveries(t, wibisoft, delivery{[]string{"001", "002"}, true, nil})

	f.beforePersons = func() {
		f.beforePersons = nil
		f.change("003", "Clara")
	}
	mustExport(t, e, true)
	wantDeliveries(t, wibisoft, delivery{[]string{"001", "002", "003"}, true, nil})
	if got := f.cursors["wibisoft"]; got != 2 {
		t.Errorf("cursor=%d, want 2, the head before the persons were read", got)
	}
	mustExport(t, e, false)
	wantDeliveries(t, wibisoft, delivery{[]string{"003"}, false, nil})
}

// TestExporter_SnapshotGetsEveryPersonWithTheChangedMarked: a file sink
// gets every person whenever any changed, the changed ones marked, and
// nothing while none changed.
func TestExporter_SnapshotGetsEveryPersonWithTheChangedMarked(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001", "002", "003")
	excel := &memSink{name: "excel", snapshot: true}
	e := exporter(f, 2, excel)
	mustExport(t, e, false)
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003"}, true, []string{"001", "002", "003"}})

	mustExport(t, e, false)
	wantDeliveries(t, excel)

	f.change("003", "Clara")
	f.change("002", "Bert")
	f.change("003", "Klara")
	reports := mustExport(t, e, false)
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003"}, true, []string{"002", "003"}})
	if got := f.cursors["excel"]; got != 6 {
		t.Errorf("cursor=%d, want 6", got)
	}
	if r := reports[0]; !r.Full || r.Written != 3 || r.Changed != 2 {
		t.Errorf("report=%+v, want full with 3 written, 2 changed", r)
	}

	mustExport(t, e, true)
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003"}, true, []string{"001", "002", "003"}})
}

// TestExporter_DryRunMovesNoCursor: a dry run walks every batch and every
// sink but confirms nothing, so the real export after it delivers the same.
func TestExporter_DryRunMovesNoCursor(t *testing.T) {
	t.Parallel()
	f := newMemFeed("001")
	carddav, excel := &memSink{name: "carddav"}, &memSink{name: "excel", snapshot: true}
	e := exporter(f, 2, carddav, excel)
	mustExport(t, e, false)
	wantDeliveries(t, carddav, delivery{[]string{"001"}, true, nil})
	wantDeliveries(t, excel, delivery{[]string{"001"}, true, []string{"001"}})

	f.change("002", "Bert")
	f.change("003", "Clara")
	f.change("004", "Dora")
	e.DryRun = true
	reports := mustExport(t, e, false)
	wantDeliveries(t, carddav, delivery{[]string{"002", "003"}, false, nil}, delivery{[]string{"004"}, false, nil})
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003", "004"}, true, []string{"002", "003", "004"}})
	if got := reports[0].Written; got != 3 {
		t.Errorf("dry run reports %d contacts for carddav, want 3", got)
	}
	if f.cursors["carddav"] != 1 || f.cursors["excel"] != 1 {
		t.Errorf("cursors=%v after a dry run, want both still 1", f.cursors)
	}

	e.DryRun = false
	mustExport(t, e, false)
	wantDeliveries(t, carddav, delivery{[]string{"002", "003"}, false, nil}, delivery{[]string{"004"}, false, nil})
	wantDeliveries(t, excel, delivery{[]string{"001", "002", "003", "004"}, true, []string{"002", "003", "004"}})
}
