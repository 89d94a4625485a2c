// Package xlsx writes the Excel master list ("Gesamt-Personen-Kontakt-
// Liste"): one row per person with every person the central store knows,
// those who left marked with the date instead of dropped, as a real .xlsx
// replaced atomically on every delivery.
package xlsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"keysync/internal/atomicfile"
	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// Config is one Excel list sink.
type Config struct {
	Name string
	// Path is the .xlsx file.
	Path string
	// Columns are the columns in order; nil means columns.List.
	Columns []columns.Column
	Lang    columns.Lang
	// TmpDir is where the sheet is spooled while it is written (about
	// 1.4 GB per million persons); empty means the system's.
	TmpDir string
}

// Sink writes the list.
type Sink struct{ cfg Config }

var _ keysync.Sink = (*Sink)(nil)

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	if cfg.Path == "" {
		return nil, errors.New("no path for the Excel list")
	}
	if !strings.EqualFold(filepath.Ext(cfg.Path), ".xlsx") {
		return nil, fmt.Errorf("path %q does not end in .xlsx", cfg.Path)
	}
	if cfg.Columns == nil {
		cfg.Columns = columns.List
	}
	if len(cfg.Columns) == 0 {
		return nil, errors.New("no columns")
	}
	return &Sink{cfg: cfg}, nil
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is true: the file holds every person.
func (s *Sink) Snapshot() bool { return true }

// Export writes every person into a new file and replaces the old one.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	res := keysync.Result{Where: s.cfg.Path}
	if !d.Full {
		return res, errors.New("the Excel list needs every person")
	}
	if d.DryRun {
		return res, count(ctx, d, &res)
	}
	err := atomicfile.Write(s.cfg.Path, func(w io.Writer) error {
		res = keysync.Result{Where: s.cfg.Path}
		return s.write(ctx, w, d, &res)
	})
	return res, err
}

// count works out a delivery's counts without writing.
func count(ctx context.Context, d keysync.Delivery, res *keysync.Result) error {
	for p, err := range d.Persons {
		if err != nil {
			return fmt.Errorf("read persons: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		tally(res, d, p)
	}
	return nil
}

// tally counts a person into the result. The list keeps persons who left,
// so it removes none.
func tally(res *keysync.Result, d keysync.Delivery, p keysync.PersonRecord) {
	res.Written++
	if d.IsChanged(p.Number) {
		res.Changed++
	}
}
