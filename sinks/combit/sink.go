// Package combit writes the files combit Relationship Manager's import
// wizard reads (Daten > Importieren, saved as an import template whose
// key field is the customer number: update existing, add new): the
// active persons in full, the persons changed since the last delivery, and
// those who left or were merged since then.
package combit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"keysync/internal/atomicfile"
	"keysync/sinks/columns"
	"keysync/sinks/csvfile"
	"keysync/sinks/internal/filesink"
	keysync "keysync/sync"
)

// Config is one combit sink.
type Config struct {
	Name string
	// Path is the full file, ending in .csv; the other two go beside it.
	Path string
	// Columns in order; nil means columns.Standard, the customer number
	// first.
	Columns []columns.Column
	Lang    columns.Lang
}

// Sink writes the three files.
type Sink struct{ cfg Config }

var _ keysync.Sink = (*Sink)(nil)

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	if !strings.EqualFold(filepath.Ext(cfg.Path), ".csv") {
		return nil, fmt.Errorf("path %q does not end in .csv", cfg.Path)
	}
	if cfg.Columns == nil {
		cfg.Columns = columns.Standard
	}
	if _, ok := columns.ByKey(cfg.Columns, "number"); !ok {
		return nil, errors.New("the customer number, combit's key field, is not among the fields")
	}
	return &Sink{cfg: cfg}, nil
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is true: the full file holds every active person.
func (s *Sink) Snapshot() bool { return true }

// Paths are the full file, the changes and the removals.
func (s *Sink) Paths() (full, changes, removed string) {
	base := strings.TrimSuffix(s.cfg.Path, filepath.Ext(s.cfg.Path))
	if s.cfg.Lang == columns.English {
		return s.cfg.Path, base + "-changes.csv", base + "-removed.csv"
	}
	return s.cfg.Path, base + "-aenderungen.csv", base + "-entfernt.csv"
}

// removedColumns identify a person who left and say when.
var removedColumns = columns.Select("number", "status", "left")

// Export writes the three files anew and replaces them together.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	full, changes, removed := s.Paths()
	if d.DryRun || !d.Full {
		return filesink.Write(ctx, full, d, filesink.Active, nil)
	}
	var t filesink.Tally
	err := atomicfile.WriteSet([]string{full, changes, removed}, func(ws []io.Writer) error {
		t = filesink.Tally{}
		return s.write(ctx, ws, d, &t)
	})
	return t.Result(full), err
}

// write streams the persons into the three files.
func (s *Sink) write(ctx context.Context, ws []io.Writer, d keysync.Delivery, t *filesink.Tally) error {
	var files [3]*csvfile.Writer
	for i, cols := range [][]columns.Column{s.cfg.Columns, s.cfg.Columns, removedColumns} {
		w, err := csvfile.NewWriter(ws[i], ';', csvfile.Neutralise, cols, s.cfg.Lang)
		if err != nil {
			return err
		}
		files[i] = w
	}
	err := filesink.Each(ctx, d, func(p keysync.PersonRecord) error {
		changed := d.IsChanged(p.Number)
		t.Add(d, p, p.Active())
		switch {
		case p.Active() && changed:
			if err := files[1].Row(p); err != nil {
				return err
			}
			return files[0].Row(p)
		case p.Active():
			return files[0].Row(p)
		case changed:
			return files[2].Row(p)
		}
		return nil
	})
	for _, f := range files {
		if ferr := f.Finish(); err == nil {
			err = ferr
		}
	}
	return err
}
