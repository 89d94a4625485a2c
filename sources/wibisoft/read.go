package wibisoft

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	keysync "keysync/sync"
)

// MaxFileSize bounds the file read: a Wibisoft export of a few hundred
// thousand persons is a few tens of MiB.
const MaxFileSize = 256 << 20

// File is a Wibisoft export as read: the rows that can be imported, each
// as an account of keysync.WibisoftSource (its ID still 0), and those that
// cannot, each with its line and why.
type File struct {
	Rows     []Row
	Rejected []Rejection
	// Encoding is "UTF-8" or "Windows-1252", as detected.
	Encoding string
	// SHA256 is the checksum of the file's bytes, for the history.
	SHA256 string
}

// Row is one importable row.
type Row struct {
	Line    int
	Account keysync.Account
}

// Rejection is a row that is not imported.
type Rejection struct {
	Line   int    `json:"line"`
	PE     string `json:"pe_id,omitempty"`
	Reason string `json:"reason"`
}

// ErrHeader marks a file whose header lacks columns or repeats one: not a
// Wibisoft export as configured.
var ErrHeader = errors.New("the header is not that of a Wibisoft export")

// Limits are what a row's values are checked against.
type Limits struct {
	// HHLen and PELen are the longest ids adopted (keysync.WibisoftIDLen).
	HHLen, PELen int
	// Now bounds birth dates (none in the future).
	Now time.Time
}

// Read reads a Wibisoft export: ';'-separated with a header row, UTF-8
// with or without a byte order mark, or Windows-1252 (what Austrian
// Windows software writes as "ANSI"), told apart by whether the bytes are
// valid UTF-8. A header without one of the columns cols names (but
// optional ones) is ErrHeader; a bad row is a Rejection and costs only
// that row. Every row of a PE-ID that appears more than once is rejected:
// which of them is right is not guessed.
func Read(r io.Reader, cols []Column, lim Limits) (*File, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(raw) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d MiB", MaxFileSize>>20)
	}
	sum := sha256.Sum256(raw)
	f := &File{SHA256: hex.EncodeToString(sum[:])}
	text, enc, err := decode(raw)
	if err != nil {
		return nil, err
	}
	f.Encoding = enc
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma, cr.FieldsPerRecord, cr.LazyQuotes = ';', -1, true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: the file is empty", ErrHeader)
	}
	if err != nil {
		return nil, fmt.Errorf("line 1: %w", err)
	}
	idx, err := headerIndex(header, cols)
	if err != nil {
		return nil, err
	}
	if err := f.readRows(cr, idx, len(header), lim); err != nil {
		return nil, err
	}
	f.rejectDuplicates()
	return f, nil
}

// decode returns the file as text: UTF-8 without its byte order mark, or
// Windows-1252 decoded.
func decode(raw []byte) (text, encoding string, err error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if utf8.Valid(raw) {
		return string(raw), "UTF-8", nil
	}
	b, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		return "", "", fmt.Errorf("decode Windows-1252: %w", err)
	}
	return string(b), "Windows-1252", nil
}

// headerIndex returns the position of each column's key in the header.
func headerIndex(header []string, cols []Column) (map[string]int, error) {
	pos := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := pos[h]; dup && h != "" {
			return nil, fmt.Errorf("%w: the column %q appears twice", ErrHeader, strings.TrimSpace(header[i]))
		}
		pos[h] = i
	}
	idx := map[string]int{}
	var missing []string
	for _, c := range Present(cols) {
		i, ok := pos[strings.ToLower(c.Header)]
		switch {
		case ok:
			idx[c.Key] = i
		case !c.Optional:
			missing = append(missing, fmt.Sprintf("%q (%s)", c.Header, c.Key))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: it lacks the columns %s; KEYSYNC_WIBISOFT_COLUMNS maps other header names (key=Header)", ErrHeader, strings.Join(missing, ", "))
	}
	return idx, nil
}

// readRows reads every row after the header.
func (f *File) readRows(cr *csv.Reader, idx map[string]int, width int, lim Limits) error {
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				f.Rejected = append(f.Rejected, Rejection{Line: perr.StartLine, Reason: perr.Err.Error()})
				continue
			}
			return fmt.Errorf("line %d: %w", line, err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // an empty line
		}
		a, reason := rowAccount(rec, idx, width, lim)
		if reason != "" {
			f.Rejected = append(f.Rejected, Rejection{Line: line, PE: a.PE, Reason: reason})
			continue
		}
		f.Rows = append(f.Rows, Row{Line: line, Account: a})
	}
}

// rowAccount makes the account of one row, or says why it cannot be one.
func rowAccount(rec []string, idx map[string]int, width int, lim Limits) (keysync.Account, string) {
	value := func(key string) string {
		if i, ok := idx[key]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	a := keysync.Account{Source: keysync.WibisoftSource, Active: true, HH: value(KeyHH), PE: value(KeyPE), Number: value(KeyNumber)}
	a.Username = a.PE
	if len(rec) != width {
		return a, fmt.Sprintf("missing column: the row has %d columns, the header %d", len(rec), width)
	}
	for _, id := range []struct {
		name, value string
		maxLen      int
	}{{"HH-ID", a.HH, lim.HHLen}, {"PE-ID", a.PE, lim.PELen}} {
		if id.value == "" {
			return a, "invalid id: no " + id.name
		}
		if err := keysync.CheckWibisoftID(id.value, id.maxLen); err != nil {
			return a, fmt.Sprintf("invalid id: the %s %q %v", id.name, id.value, err)
		}
	}
	for _, fl := range keysync.Fields {
		a.SetValue(fl, value(string(fl)))
	}
	if a.FirstName == "" || a.LastName == "" {
		return a, "empty names: Vorname and Nachname are both needed"
	}
	birth, err := keysync.BirthDateText(a.BirthDate, lim.Now)
	if err != nil {
		return a, "invalid date: Geburtsdatum " + err.Error()
	}
	a.BirthDate, a.Country = birth, keysync.CountryValue(a.Country)
	return a, ""
}

// rejectDuplicates rejects every row of a PE-ID that appears more than
// once, naming the other lines.
func (f *File) rejectDuplicates() {
	lines := map[string][]int{}
	for _, r := range f.Rows {
		lines[r.Account.PE] = append(lines[r.Account.PE], r.Line)
	}
	kept := f.Rows[:0]
	for _, r := range f.Rows {
		if l := lines[r.Account.PE]; len(l) > 1 {
			f.Rejected = append(f.Rejected, Rejection{Line: r.Line, PE: r.Account.PE,
				Reason: fmt.Sprintf("duplicate PE-ID in the file: %s is on lines %s", r.Account.PE, joinInts(l))})
			continue
		}
		kept = append(kept, r)
	}
	f.Rows = kept
	sortRejections(f.Rejected)
}

func joinInts(l []int) string {
	s := make([]string, len(l))
	for i, n := range l {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func sortRejections(r []Rejection) {
	slices.SortStableFunc(r, func(a, b Rejection) int { return a.Line - b.Line })
}
