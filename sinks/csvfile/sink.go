// Package csvfile writes persons as CSV in two shapes that share one
// writer: the list as Austrian and German Excel opens it by double click
// (kind csv), and Outlook's own contact import columns (kind
// outlook-csv).
package csvfile

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"keysync/sinks/columns"
	"keysync/sinks/internal/filesink"
	keysync "keysync/sync"
)

// Kind is the shape of the file.
type Kind string

// Kinds of CSV file.
const (
	// Excel: the list for Excel, ';' separated, every person, those who
	// left marked.
	Excel Kind = "csv"
	// Outlook: Outlook's import columns, ',' separated, the active persons.
	Outlook Kind = "outlook-csv"
)

// Config is one CSV sink.
type Config struct {
	Name string
	Kind Kind
	Path string
	// Columns in order; nil means the kind's default: columns.List for
	// Excel, OutlookColumns for Outlook.
	Columns []columns.Column
	Lang    columns.Lang
}

// Sink writes the file.
type Sink struct {
	cfg     Config
	dialect dialect
}

var _ keysync.Sink = (*Sink)(nil)

// dialect is what tells the two kinds apart.
type dialect struct {
	comma      rune
	keep       filesink.Keep
	neutralise func(string) string
	columns    []columns.Column
}

var dialects = map[Kind]dialect{
	Excel:   {comma: ';', keep: filesink.Everyone, neutralise: Neutralise, columns: columns.List},
	Outlook: {comma: ',', keep: filesink.Active, neutralise: neutraliseKeepingNumbers, columns: OutlookColumns},
}

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	d, ok := dialects[cfg.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown CSV kind %q", cfg.Kind)
	}
	if cfg.Path == "" {
		return nil, errors.New("no path for the CSV file")
	}
	if cfg.Columns == nil {
		cfg.Columns = d.columns
	}
	return &Sink{cfg: cfg, dialect: d}, nil
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is true: the file holds every person it lists.
func (s *Sink) Snapshot() bool { return true }

// Export writes the file anew and replaces the old one.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	return filesink.Write(ctx, s.cfg.Path, d, s.dialect.keep, func(w io.Writer) (filesink.Format, error) {
		return NewWriter(w, s.dialect.comma, s.dialect.neutralise, s.cfg.Columns, s.cfg.Lang)
	})
}

// Writer writes persons as CSV rows: UTF-8 with a byte order mark (Excel
// takes a file without one for the Windows code page), CRLF line ends, a
// header row, every value neutralised against formula injection.
type Writer struct {
	w          *csv.Writer
	cols       []columns.Column
	lang       columns.Lang
	neutralise func(string) string
	row        []string
}

var _ filesink.Format = (*Writer)(nil)

// NewWriter writes the byte order mark and the header.
func NewWriter(w io.Writer, comma rune, neutralise func(string) string, cols []columns.Column, lang columns.Lang) (*Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.Comma, cw.UseCRLF = comma, true
	wr := &Writer{w: cw, cols: cols, lang: lang, neutralise: neutralise, row: make([]string, len(cols))}
	for i, c := range cols {
		wr.row[i] = c.Header(lang)
	}
	return wr, cw.Write(wr.row)
}

// Row writes one person.
func (wr *Writer) Row(p keysync.PersonRecord) error {
	for i, c := range wr.cols {
		wr.row[i] = wr.neutralise(c.Text(p, wr.lang))
	}
	return wr.w.Write(wr.row)
}

// Finish flushes the rows.
func (wr *Writer) Finish() error {
	wr.w.Flush()
	return wr.w.Error()
}

// Close does nothing: the writer holds nothing beyond its rows.
func (wr *Writer) Close() error { return nil }
