// Package wibisoft writes the file that goes back to Wibisoft: the persons
// Wibisoft does not know yet (registered on a portal, numbered by keysync)
// in full, for entry with keysync's HH-ID and PE-ID, and the customer
// number of every person Wibisoft knows, keyed by its PE-ID (with the
// HH-ID and the names, nothing else: Wibisoft keeps its own data of them). The columns
// are those of Wibisoft's persons export that `keysync import wibisoft`
// reads (sources/wibisoft), with the customer number, so the file reads
// back through the import.
package wibisoft

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"keysync/sinks/internal/filesink"
	file "keysync/sources/wibisoft"
	keysync "keysync/sync"
)

// Encodings of the file.
const (
	// Windows1252 is what Wibisoft, Austrian Windows software, reads as
	// "ANSI"; characters it lacks are written as '?' and counted.
	Windows1252 = "windows-1252"
	UTF8        = "utf-8"
)

// Config is one Wibisoft sink.
type Config struct {
	Name string
	Path string
	// Encoding is Windows1252 (the default when empty) or UTF8.
	Encoding string
	// Columns are the file's columns (KEYSYNC_WIBISOFT_COLUMNS); nil means
	// file.DefaultColumns.
	Columns []file.Column
}

// Sink writes the file.
type Sink struct {
	cfg  Config
	cols []file.Column
}

var _ keysync.Sink = (*Sink)(nil)

// New checks the configuration.
func New(cfg Config) (*Sink, error) {
	switch strings.ToLower(cfg.Encoding) {
	case "", Windows1252, "cp1252":
		cfg.Encoding = Windows1252
	case UTF8, "utf8":
		cfg.Encoding = UTF8
	default:
		return nil, fmt.Errorf("encoding %q: want %s or %s", cfg.Encoding, Windows1252, UTF8)
	}
	if cfg.Path == "" {
		return nil, fmt.Errorf("no path")
	}
	if cfg.Columns == nil {
		cfg.Columns = file.DefaultColumns
	}
	cols := file.Present(cfg.Columns)
	if !hasKey(cols, file.KeyNumber) {
		return nil, fmt.Errorf("the customer number has no column: the file back needs Kundennummer")
	}
	return &Sink{cfg: cfg, cols: cols}, nil
}

func hasKey(cols []file.Column, key string) bool {
	for _, c := range cols {
		if c.Key == key {
			return true
		}
	}
	return false
}

// Name is the configured name.
func (s *Sink) Name() string { return s.cfg.Name }

// Snapshot is true: the file holds every active person.
func (s *Sink) Snapshot() bool { return true }

// Export writes the file anew and replaces it atomically. The result
// counts the characters the encoding lacks in Replaced.
func (s *Sink) Export(ctx context.Context, d keysync.Delivery) (keysync.Result, error) {
	var w *writer
	res, err := filesink.Write(ctx, s.cfg.Path, d, filesink.Active, func(out io.Writer) (filesink.Format, error) {
		w = s.newWriter(out)
		return w, w.header()
	})
	if w != nil {
		res.Replaced = w.enc.replaced
	}
	return res, err
}

// writer writes the rows of the file.
type writer struct {
	s   *Sink
	buf *bufio.Writer
	enc *encoder
	csv *csv.Writer
	row []string
}

var _ filesink.Format = (*writer)(nil)

func (s *Sink) newWriter(out io.Writer) *writer {
	buf := bufio.NewWriter(out)
	cw := csv.NewWriter(buf)
	cw.Comma, cw.UseCRLF = ';', true
	return &writer{s: s, buf: buf, enc: &encoder{ansi: s.cfg.Encoding == Windows1252}, csv: cw, row: make([]string, len(s.cols))}
}

func (w *writer) header() error {
	for i, c := range w.s.cols {
		w.row[i] = w.enc.encode(c.Header)
	}
	return w.csv.Write(w.row)
}

// keyed are the columns of a person Wibisoft knows: the ids, the names
// (which Wibisoft's import asks for, and by which an operator recognises
// the row) and the customer number.
var keyed = map[string]bool{file.KeyHH: true, file.KeyPE: true, file.KeyNumber: true,
	string(keysync.FieldFirstName): true, string(keysync.FieldLastName): true}

// Row writes one person: in full when Wibisoft does not know them, else
// the keyed columns only.
func (w *writer) Row(p keysync.PersonRecord) error {
	for i, c := range w.s.cols {
		v := value(p, c.Key)
		if p.Wibisoft && !keyed[c.Key] {
			v = ""
		}
		w.row[i] = w.enc.encode(v)
	}
	return w.csv.Write(w.row)
}

// value is a person's value of a column key, as Wibisoft's export writes
// it: dates dd.mm.yyyy.
func value(p keysync.PersonRecord, key string) string {
	switch key {
	case file.KeyHH:
		return p.HH
	case file.KeyPE:
		return p.PE
	case file.KeyNumber:
		return p.Number
	case string(keysync.FieldBirthDate):
		v := p.Fields[keysync.FieldBirthDate]
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.Format("02.01.2006")
		}
		return v
	}
	return p.Fields[keysync.Field(key)]
}

// Finish flushes the rows.
func (w *writer) Finish() error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return err
	}
	return w.buf.Flush()
}

// Close does nothing: the writer holds nothing beyond its rows.
func (w *writer) Close() error { return nil }

// encoder turns a value into the file's bytes: Windows-1252 when ansi is
// set, every character the code page lacks written as '?' and counted;
// else UTF-8 as it is. The CSV writer then quotes the bytes as they are:
// its separators and quotes are ASCII, the same in both.
type encoder struct {
	ansi     bool
	replaced int
	out      []byte
}

func (e *encoder) encode(v string) string {
	if !e.ansi {
		return v
	}
	e.out = e.out[:0]
	for _, r := range v {
		b, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			b = '?'
			e.replaced++
		}
		e.out = append(e.out, b)
	}
	return string(e.out)
}
