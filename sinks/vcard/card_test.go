package vcard_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keysync/internal/sinktest"
	"keysync/sinks/columns"
	"keysync/sinks/vcard"
	keysync "keysync/sync"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// readCards is python3-vobject, the parser Radicale uses, reading every
// card of a file into the properties a client shows.
const readCards = `
import json, sys, vobject
out = []
for c in vobject.readComponents(open(sys.argv[1], encoding="utf-8").read()):
    d = {}
    for name, lines in c.contents.items():
        vals = []
        for l in lines:
            v = l.value
            if name == "n":
                v = [v.family, v.given, v.additional, v.prefix, v.suffix]
            elif name == "adr":
                v = [v.box, v.extended, v.street, v.city, v.region, v.code, v.country]
            elif name == "categories":
                v = list(v)
            vals.append({"value": v, "params": {k.lower(): sorted(x.lower() for x in p) for k, p in l.params.items()}})
        d[name] = vals
    out.append(d)
print(json.dumps(out))
`

type prop struct {
	Value  any
	Params map[string][]string
}

func parse(tb testing.TB, path string) []map[string][]prop {
	tb.Helper()
	var cards []map[string][]prop
	if err := json.Unmarshal(sinktest.RunPython(tb, readCards, path), &cards); err != nil {
		tb.Fatal(err)
	}
	return cards
}

// tricky is a person whose values need every kind of escaping.
func tricky() keysync.PersonRecord {
	return keysync.PersonRecord{
		Number: "000000013", HH: "0004711", PE: "00012345", Status: keysync.PersonActive,
		Fields: map[keysync.Field]string{"salutation": "Frau", "title": "Mag.a", "first_name": "Zoë",
			"last_name": "Öllinger-Weiß; geb. Huber", "birth_date": "1980-02-29",
			"street": "Hauptstraße 1; Stiege 2\r\nTop 3, Tür 4", "zip": "1010", "city": "Wien", "country": "AT",
			"email": "zoe@example.at", "mobile": "+43 664 1234567", "phone": "+43 1 234567",
			"company":     "Huber, Söhne \\ Töchter " + strings.Repeat("Großhandel ", 8),
			"memberships": "amicas: Mitglied; club: Mitglied, Vorstand"},
	}
}

// TestCard_Golden pins the card byte for byte (checked by hand against
// RFC 2426: escaping, folding at 75 octets without splitting a
// character, CRLF).
func TestCard_Golden(t *testing.T) {
	t.Parallel()
	got := vcard.Card(tricky(), columns.German)
	golden := filepath.Join("testdata", "tricky.vcf")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("card\n%s\nwant\n%s", got, want)
	}
	for _, l := range strings.Split(string(got), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
	}
}

// TestCard_VobjectReadsEveryValueBack: the parser Radicale uses gets back
// every value as given, ';' ',' '\' and line breaks included, each
// membership as a category of its own.
func TestCard_VobjectReadsEveryValueBack(t *testing.T) {
	t.Parallel()
	sinktest.NeedPython(t, "vobject", "python3-vobject")
	path := filepath.Join(t.TempDir(), "card.vcf")
	if err := os.WriteFile(path, vcard.Card(tricky(), columns.German), 0o644); err != nil {
		t.Fatal(err)
	}
	cards := parse(t, path)
	if len(cards) != 1 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[0]
	p := tricky()
	checks := map[string]any{
		"uid":        vcard.UID("000000013"),
		"fn":         "Mag.a Zoë Öllinger-Weiß; geb. Huber",
		"n":          []any{"Öllinger-Weiß; geb. Huber", "Zoë", "", "Frau Mag.a", ""},
		"adr":        []any{"", "", "Hauptstraße 1; Stiege 2\nTop 3, Tür 4", "Wien", "", "1010", "AT"},
		"org":        []any{p.Fields["company"]},
		"email":      "zoe@example.at",
		"bday":       "1980-02-29",
		"categories": []any{"amicas: Mitglied", "club: Mitglied, Vorstand"},
		"note":       "Kundennummer: 000000013\nHH-ID: 0004711\nPE-ID: 00012345",
		"x-ms-text":  "000000013",
	}
	for name, want := range checks {
		if len(c[name]) != 1 {
			t.Errorf("%s: %d properties, want 1", name, len(c[name]))
			continue
		}
		if got, _ := json.Marshal(c[name][0].Value); string(got) != mustJSON(want) {
			t.Errorf("%s = %s, want %s", name, got, mustJSON(want))
		}
	}
	tels := map[string]string{}
	for _, tel := range c["tel"] {
		tels[strings.Join(tel.Params["type"], ",")] = tel.Value.(string)
	}
	if tels["cell"] != "+43 664 1234567" || tels["home,voice"] != "+43 1 234567" {
		t.Errorf("tel %v", tels)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestUID_IsAStableUUIDPerNumber: the same number gives the same UID, a
// version 5 UUID; another number another one.
func TestUID_IsAStableUUIDPerNumber(t *testing.T) {
	t.Parallel()
	a, b := vcard.UID("000000013"), vcard.UID("000000021")
	if a != vcard.UID("000000013") || a == b {
		t.Errorf("UIDs %s %s", a, b)
	}
	if len(a) != len("urn:uuid:")+36 || a[len("urn:uuid:")+14] != '5' {
		t.Errorf("UID %s is no version 5 UUID", a)
	}
}
