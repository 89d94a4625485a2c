package keysync

import (
	"fmt"
	"slices"
	"strings"
)

// FieldMap says where a source reads each field: the columns of a TYPO3
// table or the meta keys of a WordPress user, several joined with a space
// (street = billing_address_1 billing_address_2). A field mapped to nothing
// is not read. Each source has defaults; KEYSYNC_SOURCE_<NAME>_FIELDS
// changes them field by field.
type FieldMap map[Field][]string

// ParseFieldMap reads the comma list of KEYSYNC_SOURCE_<NAME>_FIELDS:
// field=column, several columns joined with "+", nothing after "=" to read
// the field from nowhere. Memberships are the portal's groups or roles and
// cannot be mapped. Whether a column name is a valid identifier is left to
// the caller, which knows the variable.
func ParseFieldMap(s string) (FieldMap, error) {
	m := FieldMap{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, cols, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not field=column", part)
		}
		f, known := ParseField(name)
		switch {
		case !known:
			return nil, fmt.Errorf("unknown field %q; the fields are %s", strings.TrimSpace(name), FieldNames())
		case f == FieldMemberships:
			return nil, fmt.Errorf("memberships are the portal's groups or roles and cannot be mapped")
		case m[f] != nil:
			return nil, fmt.Errorf("field %s is mapped twice", f)
		}
		m[f] = []string{}
		for c := range strings.SplitSeq(cols, "+") {
			if c = strings.TrimSpace(c); c != "" {
				m[f] = append(m[f], c)
			} else if strings.TrimSpace(cols) != "" {
				return nil, fmt.Errorf("%q has an empty column between the + signs", part)
			}
		}
	}
	return m, nil
}

// With returns the defaults with the fields of over replaced.
func (m FieldMap) With(over FieldMap) FieldMap {
	out := FieldMap{}
	for f, cols := range m {
		out[f] = slices.Clone(cols)
	}
	for f, cols := range over {
		out[f] = slices.Clone(cols)
	}
	return out
}

// Columns lists every column or key the map reads, each once, in the order
// of Fields.
func (m FieldMap) Columns() []string {
	var out []string
	for _, f := range Fields {
		for _, c := range m[f] {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// String writes the map as KEYSYNC_SOURCE_<NAME>_FIELDS would, in the order
// of Fields.
func (m FieldMap) String() string {
	var parts []string
	for _, f := range Fields {
		if cols, ok := m[f]; ok {
			parts = append(parts, string(f)+"="+strings.Join(cols, "+"))
		}
	}
	return strings.Join(parts, ",")
}
