package central

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

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
// because every person carries one.
func (r record) MarshalJSON() ([]byte, error) {
	m := make(map[string][4]any, len(r))
	for f, e := range r {
		m[string(f)] = [4]any{e.Value, e.Source, e.ID, e.At.UTC().Format(time.RFC3339Nano)}
	}
	return json.Marshal(m)
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
	b, _ := json.Marshal(r)
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
