package keysync

import (
	"strings"
	"testing"
	"unicode/utf8"

	"keysync/internal/testdb"
)

func TestCheckWibisoftID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"0000042", true}, {"HH-2019/0042", true}, {"PE_7.1", true}, {"AT 0042", true},
		{strings.Repeat("7", 32), true}, {strings.Repeat("7", 33), false},
		{"\x1b[31m4444", false}, {"00 42", true}, {"00  42", false}, {" 42", false}, {"42 ", false},
		{"Müller", false}, {"42\n", false}, {"a;b", false}, {"<script>", false},
	} {
		err := CheckWibisoftID(tc.id, 32)
		if (err == nil) != tc.ok {
			t.Errorf("CheckWibisoftID(%q)=%v, want ok=%v", tc.id, err, tc.ok)
		}
	}
}

func TestWibisoftIDLen(t *testing.T) {
	t.Parallel()
	if got := WibisoftIDLen(testdb.MustTemplate(t, "{seq:7}")); got != 32 {
		t.Errorf("{seq:7}: %d, want the column width 32", got)
	}
	if got := WibisoftIDLen(testdb.MustTemplate(t, "HOUSEHOLD-OF-THE-ASSOCIATION-{seq:18}")); got != 47 {
		t.Errorf("long template: %d, want 47", got)
	}
	if got := WibisoftIDLen(nil); got != 32 {
		t.Errorf("no template: %d", got)
	}
}

// TestDecide_InvalidWibisoftIDs: a row carrying a Wibisoft id that is no
// id gets no number and nothing is adopted; a conflict names each bad id.
func TestDecide_InvalidWibisoftIDs(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	r := Rules{Number: tmpl, Thresholds: DefaultThresholds, HHLen: 32, PELen: 32}
	a := Account{Source: "blog", ID: 3, Active: true, FirstName: "Pia", LastName: "Lang", Email: "pia@gmx.at",
		HH: "\x1b[31m" + strings.Repeat("4", 39), PE: strings.Repeat("PE", 35)}
	d := Decide(a, NewProfile(a, "AT"), mapFacts{}, r)
	if d.Action != ActionConflict || d.Person.Number != "" || d.Person.HH != "" || d.Person.PE != "" {
		t.Fatalf("decision %+v, want a conflict adopting nothing", d)
	}
	if len(d.Conflicts) != 2 || d.Conflicts[0].Kind != ConflictInvalidWibisoftID || d.Conflicts[1].Kind != ConflictInvalidWibisoftID {
		t.Fatalf("conflicts %+v, want one per id", d.Conflicts)
	}
	a.HH, a.PE = "0000042", "00000042"
	if d := Decide(a, NewProfile(a, "AT"), mapFacts{}, r); d.Action != ActionNew || d.Person.HH != "0000042" || d.Person.PE != "00000042" {
		t.Errorf("valid ids: %+v, want them adopted", d)
	}
}

// TestDecide_AmbiguousRow: a row holding one of keysync's keys twice is a
// conflict, linked or not.
func TestDecide_AmbiguousRow(t *testing.T) {
	t.Parallel()
	tmpl := testdb.MustTemplate(t, "{seq:8}{check}")
	a := Account{Source: "blog", ID: 1, Active: true, FirstName: "Anna", LastName: "Gruber",
		Ambiguous: []string{`keysync_customer_number: "", "000000013"`}}
	f := mapFacts{linked: map[string]Person{AccountKey("blog", 1): {Number: "000000013"}}}
	for _, facts := range []mapFacts{{}, f} {
		d := Decide(a, NewProfile(a, "AT"), facts, Rules{Number: tmpl, Thresholds: DefaultThresholds})
		if d.Action != ActionConflict || len(d.Conflicts) != 1 || d.Conflicts[0].Kind != ConflictDuplicateMeta || d.Conflicts[0].Value != a.Ambiguous[0] {
			t.Errorf("decision %+v, want a duplicate_meta conflict", d)
		}
	}
}

// FuzzCheckWibisoftID: an id that passes fits the column and holds
// nothing a terminal or a SQL literal would treat specially.
func FuzzCheckWibisoftID(f *testing.F) {
	for _, s := range []string{"0000042", "HH-1", "\x1b[2J", "a  b", strings.Repeat("x", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if CheckWibisoftID(id, 32) != nil {
			return
		}
		if utf8.RuneCountInString(id) > 32 || strings.ContainsAny(id, "'\"\\`;\x00\x1b\n\t") || strings.HasPrefix(id, " ") || strings.HasSuffix(id, " ") {
			t.Fatalf("CheckWibisoftID accepts %q", id)
		}
	})
}
