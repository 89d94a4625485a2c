// Package wibisoft reads the persons export of Wibisoft, the finance
// system that numbers households (HH-ID) and persons (PE-ID) itself, and
// imports it into the central store through the engine's own decisions;
// sinks/wibisoft writes the file that goes back. Both speak the columns of
// this file.
package wibisoft

import (
	"fmt"
	"slices"
	"strings"

	keysync "keysync/sync"
)

// Column keys besides the master-data fields (keysync.Field).
const (
	KeyHH     = "hh_id"
	KeyPE     = "pe_id"
	KeyNumber = "number"
)

// Column is one column of a Wibisoft file: what it holds (a keysync.Field
// name, KeyHH, KeyPE or KeyNumber) and its header.
type Column struct {
	Key    string
	Header string
	// Optional columns may be missing from a file's header.
	Optional bool
}

// DefaultColumns are the columns of Wibisoft's persons export, in its order.
var DefaultColumns = []Column{
	{Key: KeyHH, Header: "HH-ID"},
	{Key: KeyPE, Header: "PE-ID"},
	{Key: string(keysync.FieldSalutation), Header: "Anrede"},
	{Key: string(keysync.FieldTitle), Header: "Titel"},
	{Key: string(keysync.FieldFirstName), Header: "Vorname"},
	{Key: string(keysync.FieldLastName), Header: "Nachname"},
	{Key: string(keysync.FieldBirthDate), Header: "Geburtsdatum"},
	{Key: string(keysync.FieldStreet), Header: "Straße"},
	{Key: string(keysync.FieldZip), Header: "PLZ"},
	{Key: string(keysync.FieldCity), Header: "Ort"},
	{Key: string(keysync.FieldCountry), Header: "Land"},
	{Key: string(keysync.FieldEmail), Header: "E-Mail"},
	{Key: string(keysync.FieldPhone), Header: "Telefon"},
	{Key: KeyNumber, Header: "Kundennummer", Optional: true},
	{Key: string(keysync.FieldMobile), Header: "Mobil", Optional: true},
}

// required are the keys a mapping may not leave out of the file: the ids
// and the names.
var required = []string{KeyHH, KeyPE, string(keysync.FieldFirstName), string(keysync.FieldLastName)}

// ParseColumns reads KEYSYNC_WIBISOFT_COLUMNS: key=Header pairs,
// comma-separated, that rename the default columns, e.g.
// "pe_id=Personennummer,hh_id=Haushalt"; a key with nothing after = is not
// in the file. It returns the columns in the default order.
func ParseColumns(spec string) ([]Column, error) {
	cols := slices.Clone(DefaultColumns)
	if strings.TrimSpace(spec) == "" {
		return cols, nil
	}
	for _, pair := range strings.Split(spec, ",") {
		key, header, ok := strings.Cut(pair, "=")
		key, header = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(header)
		if !ok || key == "" {
			return nil, fmt.Errorf("%q is not key=Header", strings.TrimSpace(pair))
		}
		i := slices.IndexFunc(cols, func(c Column) bool { return c.Key == key })
		if i < 0 {
			return nil, fmt.Errorf("unknown key %q; the keys are %s", key, keyNames())
		}
		if header == "" && slices.Contains(required, key) {
			return nil, fmt.Errorf("%s cannot be left out: the ids and the names are what a row is", key)
		}
		if strings.ContainsAny(header, ";\"\r\n") {
			return nil, fmt.Errorf("the header %q of %s holds a separator, a quote or a line break", header, key)
		}
		cols[i].Header, cols[i].Optional = header, cols[i].Optional || header == ""
	}
	for i, c := range cols {
		if c.Header == "" {
			continue
		}
		for _, d := range cols[i+1:] {
			if strings.EqualFold(c.Header, d.Header) {
				return nil, fmt.Errorf("%s and %s both read the column %q", c.Key, d.Key, c.Header)
			}
		}
	}
	return cols, nil
}

// keyNames lists the keys of the default columns, for messages.
func keyNames() string {
	names := make([]string, len(DefaultColumns))
	for i, c := range DefaultColumns {
		names[i] = c.Key
	}
	return strings.Join(names, ", ")
}

// Present returns the columns a file holds: those with a header.
func Present(cols []Column) []Column {
	return slices.DeleteFunc(slices.Clone(cols), func(c Column) bool { return c.Header == "" })
}
