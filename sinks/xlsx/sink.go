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

	"keysync/sinks/columns"
	"keysync/sinks/internal/filesink"
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
	return filesink.Write(ctx, s.cfg.Path, d, filesink.Everyone, func(w io.Writer) (filesink.Format, error) {
		return newBook(w, s.cfg)
	})
}
