package wordpress

import (
	"strconv"
	"strings"
)

// metaRows follows the meta rows of one read in umeta_id order. The first
// row of a user's key counts, as for get_user_meta($id, $key, true);
// WordPress has no unique key on (user_id, meta_key), so more may follow.
// A later row of one of keysync's keys with another value makes the user
// ambiguous: writing would fill the first row while the other holds a
// different value (an empty first row and a number in the second would
// give the user two numbers).
type metaRows struct {
	own   []string          // keysync's keys
	first map[string]string // id\x00key: the first value, trimmed
	// values lists, per id\x00key of keysync's keys, the values in order
	// once a second, different one was seen.
	values map[string][]string
	order  []string // keys of values, first seen first
}

func newMetaRows(own ...string) *metaRows {
	return &metaRows{own: own, first: map[string]string{}, values: map[string][]string{}}
}

// add records one row and reports whether it is the first of its key.
func (m *metaRows) add(id uint64, key, value string) bool {
	k := strconv.FormatUint(id, 10) + "\x00" + key
	v := strings.TrimSpace(value)
	first, seen := m.first[k]
	if !seen {
		m.first[k] = v
		return true
	}
	if !m.isOwn(key) {
		return false
	}
	if vs, ok := m.values[k]; ok {
		m.values[k] = append(vs, v)
	} else if v != first {
		m.values[k] = []string{first, v}
		m.order = append(m.order, k)
	}
	return false
}

func (m *metaRows) isOwn(key string) bool {
	for _, o := range m.own {
		if o == key {
			return true
		}
	}
	return false
}

// ambiguous describes, per user, each of keysync's keys held with
// different values: `key: "", "000000013"`.
func (m *metaRows) ambiguous() map[uint64][]string {
	out := map[uint64][]string{}
	for _, k := range m.order {
		idText, key, _ := strings.Cut(k, "\x00")
		id, _ := strconv.ParseUint(idText, 10, 64)
		quoted := make([]string, len(m.values[k]))
		for i, v := range m.values[k] {
			quoted[i] = strconv.Quote(v)
		}
		out[id] = append(out[id], key+": "+strings.Join(quoted, ", "))
	}
	return out
}
