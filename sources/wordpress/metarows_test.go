package wordpress

import (
	"reflect"
	"testing"
)

func TestMetaRows(t *testing.T) {
	m := newMetaRows("num", "hh", "pe")
	rows := []struct {
		id         uint64
		key, value string
		first      bool
	}{
		{1, "num", "", true},
		{1, "num", "000000013", false},
		{1, "num", "000000021", false},
		{1, "first_name", "Anna", true},
		{1, "first_name", "Anne", false}, // not keysync's: WordPress reads the first
		{2, "hh", "0000042", true},
		{2, "hh", " 0000042 ", false}, // the same value
		{3, "pe", "00000007", true},
	}
	for _, r := range rows {
		if got := m.add(r.id, r.key, r.value); got != r.first {
			t.Errorf("add(%d, %s, %q)=%v, want %v", r.id, r.key, r.value, got, r.first)
		}
	}
	want := map[uint64][]string{1: {`num: "", "000000013", "000000021"`}}
	if got := m.ambiguous(); !reflect.DeepEqual(got, want) {
		t.Errorf("ambiguous=%v, want %v", got, want)
	}
}
