package central

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"keysync/internal/text"
	keysync "keysync/sync"
)

// The central record of a person's master data (schema version 6).
//
// Every account keeps the values keysync last read from its portal row
// (accounts: the columns of each field) and when they last changed
// (data_changed_at); every person keeps its record: per field the current
// value, the account it came from and when it changed (persons.record).
// When a person's accounts disagree, the most recent change wins, field by
// field, ordered by the portal's own change time where it has one (TYPO3
// tstamp), else by when keysync read it. A value emptied in one account
// never erases another account's: the person keeps it, or falls back to the
// most recently changed other account that has one; a field emptied where
// it was the only source is a change to empty. Memberships are not a
// contest: they list every account's groups that is not deleted, per
// portal. Every change of a person's value is a row of field_changes.
//
// The values an account last showed are kept in its columns rather than in
// a table of their own, because a row per field and account would add a
// dozen rows to every new person of a rollout; the time is kept per
// account, which is when the fallback needs it.

// entry is one field of a person's record.
type entry struct {
	Value  string
	Source string // the account it came from; empty when seeded from before
	ID     uint64
	At     time.Time
}

func (e entry) from(k accountKey) bool { return e.Source == k.source && e.ID == k.id }

// record is a person's current master data.
type record map[keysync.Field]entry

// MarshalJSON writes each field as ["value", "source", id, "time"], compact
// because every person carries one, in the order of the fields' names: the
// bytes encoding/json writes for a map of such arrays (see
// TestRecord_MarshalsAsEncodingJSON), without its reflection, as every new
// person of a batch is written this way.
func (r record) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, len(r))
	for f := range r {
		names = append(names, string(f))
	}
	slices.Sort(names)
	b := make([]byte, 0, 96*len(r)+2)
	b = append(b, '{')
	for i, name := range names {
		e := r[keysync.Field(name)]
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':', '[')
		b = appendJSONString(b, e.Value)
		b = append(b, ',')
		b = appendJSONString(b, e.Source)
		b = append(b, ',')
		b = strconv.AppendUint(b, e.ID, 10)
		b = append(b, ',', '"')
		b = e.At.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"', ']')
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as encoding/json writes a string: invalid
// UTF-8 as U+FFFD, control characters, <, >, & and the line and paragraph
// separators escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (r *record) UnmarshalJSON(b []byte) error {
	var m map[string][4]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*r = record{}
	for name, parts := range m {
		f, ok := keysync.ParseField(name)
		if !ok {
			continue // a field a later keysync knows
		}
		var e entry
		var at string
		for i, dst := range []any{&e.Value, &e.Source, &e.ID, &at} {
			if err := json.Unmarshal(parts[i], dst); err != nil {
				return fmt.Errorf("record field %s: %w", name, err)
			}
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return fmt.Errorf("record field %s: %w", name, err)
		}
		e.At = t.UTC()
		(*r)[f] = e
	}
	return nil
}

func parseRecord(s string) (record, error) {
	r := record{}
	if s == "" {
		return r, nil
	}
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("person record: %w", err)
	}
	return r, nil
}

func (r record) text() string {
	b, _ := r.MarshalJSON()
	return string(b)
}

// fieldWidths are the characters each field keeps, the widths of the
// accounts' columns; values are clipped on character boundaries.
var fieldWidths = map[keysync.Field]int{
	keysync.FieldSalutation: 64, keysync.FieldTitle: 255, keysync.FieldFirstName: 255, keysync.FieldLastName: 255,
	keysync.FieldBirthDate: 10, keysync.FieldStreet: 255, keysync.FieldZip: 32, keysync.FieldCity: 255,
	keysync.FieldCountry: 64, keysync.FieldEmail: 320, keysync.FieldPhone: 64, keysync.FieldMobile: 64,
	keysync.FieldCompany: 255, keysync.FieldMemberships: 1000,
}

// values are an account's fields as the central store keeps them:
// trimmed, clipped, empty ones left out.
type values map[keysync.Field]string

func accountValues(a keysync.Account) values {
	v := values{}
	for _, f := range keysync.Fields {
		if s := text.Clip(strings.TrimSpace(a.Value(f)), fieldWidths[f]); s != "" {
			v[f] = s
		}
	}
	return v
}

// dataHash identifies an account's values and status: an account whose
// hash is unchanged needs no work. It keeps 63 bits, so that it passes
// through every driver as a signed integer too.
func dataHash(v values, status keysync.AccountStatus) uint64 {
	h := fnv.New64a()
	h.Write([]byte(status))
	for _, f := range keysync.Fields {
		h.Write([]byte{0x1e})
		h.Write([]byte(v[f]))
	}
	return h.Sum64() >> 1
}

// memberships lists the groups of the accounts that are not deleted, per
// portal, in the order of the accounts: "amicas: Premium, Vorstand; club:
// Mitglieder".
func memberships(accts []*accountState) string {
	sorted := slices.Clone(accts)
	slices.SortFunc(sorted, func(x, y *accountState) int {
		return cmp.Or(strings.Compare(x.key.source, y.key.source), cmp.Compare(x.key.id, y.key.id))
	})
	var parts []string
	for _, a := range sorted {
		if g := a.values[keysync.FieldMemberships]; g != "" && (a.status == keysync.StatusActive || a.status == keysync.StatusInactive) {
			parts = append(parts, a.key.source+": "+g)
		}
	}
	return text.Clip(strings.Join(parts, "; "), fieldWidths[keysync.FieldMemberships])
}
