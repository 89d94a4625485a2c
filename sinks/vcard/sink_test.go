package vcard_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/vcard"
	keysync "keysync/sync"
)

func names(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestFolder_OneCardPerPersonAndTheCombinedFile: a full delivery writes
// a card per active person and the combined file, and removes a stray
// card; a later delivery rewrites only the changed persons' cards and
// removes the card of one who left.
func TestFolder_OneCardPerPersonAndTheCombinedFile(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "vobject", "python3-vobject")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "000000099.vcf"), []byte("stray"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := vcard.New(vcard.Config{Name: "buch", Path: dir, Lang: columns.German})
	if err != nil {
		t.Fatal(err)
	}
	persons := sinktest.Collect(t, sinktest.Persons(3, 40))
	res, err := s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...)})
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, p := range persons {
		if p.Active() {
			active = append(active, p.Number+".vcf")
		}
	}
	if res.Written != len(active) || res.Changed != len(active) || res.Removed != len(persons)-len(active) || res.Where != dir {
		t.Errorf("result %+v, want %d written and changed, %d removed", res, len(active), len(persons)-len(active))
	}
	if got, want := names(t, dir), append(slices.Clone(active), "alle.vcf"); !slices.Equal(got, want) {
		t.Errorf("folder holds\n%v\nwant\n%v", got, want)
	}
	combined := parse(t, filepath.Join(dir, "alle.vcf"))
	if len(combined) != len(active) {
		t.Errorf("combined file holds %d cards, want %d", len(combined), len(active))
	}
	one := parse(t, filepath.Join(dir, active[0]))
	if len(one) != 1 || one[0]["x-ms-text"][0].Value != active[0][:9] {
		t.Errorf("card %s: %v", active[0], one)
	}

	// The first active person changes, the second leaves; the third's card
	// is marked so that a rewrite would show.
	first, second, third := active[0][:9], active[1][:9], active[2][:9]
	marker := filepath.Join(dir, third+".vcf")
	if err := os.WriteFile(marker, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range persons {
		switch persons[i].Number {
		case first:
			persons[i].Fields["city"] = "Graz"
		case second:
			persons[i].Status = keysync.PersonLeft
		}
	}
	changed := func(n string) bool { return n == first || n == second }
	res, err = s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Seq(persons...), Changed: changed})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != len(active)-1 || res.Changed != 1 || res.Removed != 1 {
		t.Errorf("result %+v, want %d written, 1 changed, 1 removed", res, len(active)-1)
	}
	if _, err := os.Stat(filepath.Join(dir, second+".vcf")); !os.IsNotExist(err) {
		t.Errorf("the card of the person who left is still there (%v)", err)
	}
	if b, _ := os.ReadFile(marker); string(b) != "untouched" {
		t.Error("an unchanged person's card was rewritten")
	}
	if c := parse(t, filepath.Join(dir, first+".vcf")); c[0]["adr"][0].Value.([]any)[3] != "Graz" {
		t.Errorf("changed card holds %v", c[0]["adr"])
	}
	if got := len(parse(t, filepath.Join(dir, "alle.vcf"))); got != len(active)-1 {
		t.Errorf("combined file holds %d cards, want %d", got, len(active)-1)
	}
}

// TestFolder_MissingFolderFails names the folder.
func TestFolder_MissingFolderFails(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gone")
	s, err := vcard.New(vcard.Config{Name: "buch", Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Export(t.Context(), keysync.Delivery{Full: true, Persons: sinktest.Persons(1, 2)})
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("err=%v, want one naming %s", err, dir)
	}
}
