// Package columns is the one list of what a sink can show of a person: the
// columns of the Excel list, the CSV files and the combit file, their
// German and English headers, and how each value is read from a
// keysync.PersonRecord. KEYSYNC_SINK_<NAME>_FIELDS chooses and orders them
// by key.
package columns

import (
	"fmt"
	"slices"
	"strings"
	"time"

	keysync "keysync/sync"
)

// Lang is the language of headers and fixed values.
type Lang string

// Languages a sink writes.
const (
	German  Lang = "de"
	English Lang = "en"
)

// ParseLang reads a language code; empty means German.
func ParseLang(s string) (Lang, error) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case "", German:
		return German, nil
	case English:
		return English, nil
	}
	return "", fmt.Errorf("unknown language %q (de or en)", s)
}

// Kind says how a spreadsheet stores a column's values.
type Kind int

// Column kinds.
const (
	// Text is stored as text, so that leading zeros and "+43" survive.
	Text Kind = iota
	// Date is stored as a date and shown dd.mm.yyyy.
	Date
)

// Column is one column a sink can write.
type Column struct {
	Key     string
	German  string
	English string
	Kind    Kind
	// Width is the column's width in an Excel sheet, in characters.
	Width float64
	text  func(p keysync.PersonRecord, l Lang) string
	date  func(p keysync.PersonRecord) time.Time
}

// Header is the column's title in the language.
func (c Column) Header(l Lang) string {
	if l == English {
		return c.English
	}
	return c.German
}

// Text is the value as text; a date is written dd.mm.yyyy.
func (c Column) Text(p keysync.PersonRecord, l Lang) string {
	if c.Kind == Date {
		if t, ok := c.Date(p); ok {
			return t.Format("02.01.2006")
		}
		return c.raw(p, l)
	}
	return c.raw(p, l)
}

// Date is the value of a date column; ok is false when the person has
// none, or one that is no date (then Text holds it as given).
func (c Column) Date(p keysync.PersonRecord) (t time.Time, ok bool) {
	if c.date == nil {
		return time.Time{}, false
	}
	t = c.date(p)
	return t, !t.IsZero()
}

func (c Column) raw(p keysync.PersonRecord, l Lang) string {
	if c.text == nil {
		return ""
	}
	return c.text(p, l)
}

// Custom is a column of a file format's own, such as Outlook's, written
// as text.
func Custom(key, german, english string, text func(p keysync.PersonRecord, l Lang) string) Column {
	return Column{Key: key, German: german, English: english, text: text}
}

// Keys lists the keys of the columns.
func Keys(cols []Column) []string {
	keys := make([]string, len(cols))
	for i, c := range cols {
		keys[i] = c.Key
	}
	return keys
}

// ByKey returns the column of a key among the columns.
func ByKey(cols []Column, key string) (Column, bool) {
	i := slices.IndexFunc(cols, func(c Column) bool { return c.Key == key })
	if i < 0 {
		return Column{}, false
	}
	return cols[i], true
}

// Parse reads a comma list of keys (KEYSYNC_SINK_<NAME>_FIELDS) naming
// columns of from; empty gives def. An unknown or repeated key is an error
// naming it.
func Parse(list string, from, def []Column) ([]Column, error) {
	if strings.TrimSpace(list) == "" {
		return def, nil
	}
	var cols []Column
	seen := map[string]bool{}
	for _, k := range strings.Split(list, ",") {
		k = strings.ToLower(strings.TrimSpace(k))
		c, ok := ByKey(from, k)
		switch {
		case !ok:
			return nil, fmt.Errorf("unknown field %q (known: %s)", k, strings.Join(Keys(from), ", "))
		case seen[k]:
			return nil, fmt.Errorf("field %q named twice", k)
		}
		seen[k] = true
		cols = append(cols, c)
	}
	return cols, nil
}

// Select returns the columns of All with the keys, which must exist.
func Select(keys ...string) []Column {
	cols := make([]Column, len(keys))
	for i, k := range keys {
		c, ok := ByKey(All, k)
		if !ok {
			panic("columns: no column " + k)
		}
		cols[i] = c
	}
	return cols
}
