package match

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAddressStreetLine(t *testing.T) {
	tests := []struct {
		line                              string
		street, house, block, stair, door string
	}{
		{"Hauptstraße 10", "hauptstrasse", "10", "", "", ""},
		{"Hauptstrasse 10", "hauptstrasse", "10", "", "", ""},
		{"Hauptstr. 10", "hauptstrasse", "10", "", "", ""},
		{"Hauptstr 10", "hauptstrasse", "10", "", "", ""},
		{"Haupt-Straße 10", "hauptstrasse", "10", "", "", ""},
		{"Haupt Strasse 10", "hauptstrasse", "10", "", "", ""},
		{"HAUPTSTRASSE 10", "hauptstrasse", "10", "", "", ""},
		{"Hauptstraße10", "hauptstrasse", "10", "", "", ""},
		{"Hauptstraße 10a", "hauptstrasse", "10a", "", "", ""},
		{"Hauptstraße 10 A", "hauptstrasse", "10a", "", "", ""},
		{"Hauptstraße 10-12", "hauptstrasse", "10-12", "", "", ""},
		{"Hauptstraße Nr. 10", "hauptstrasse", "10", "", "", ""},
		// Austrian units
		{"Hauptstraße 10/4/15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10/A/4/15", "hauptstrasse", "10", "a", "4", "15"},
		{"Hauptstr. 10 Stg. 4 Top 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10, Stiege 4, Tür 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10/Stiege 4/Top 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10 St. 4 Top 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10/4 Top 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10, Stiege 4/15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10, Top 07", "hauptstrasse", "10", "", "", "7"},
		{"Hauptstraße 10 Block A Stiege 4 Top 15", "hauptstrasse", "10", "a", "4", "15"},
		{"Hauptstraße 10 Bauteil 2 Top 15", "hauptstrasse", "10", "2", "", "15"},
		{"Mariahilfer Str. 3/2/7", "mariahilferstrasse", "3", "", "2", "7"},
		{"Mariahilfer Straße 3/7", "mariahilferstrasse", "3", "", "", "7"},
		{"St.-Peter-Gasse 5a / Top 3", "sanktpetergasse", "5a", "", "", "3"},
		{"Sankt-Peter-Gasse 5a/3", "sanktpetergasse", "5a", "", "", "3"},
		{"St. Peter G. 5A, Tür 3", "sanktpetergasse", "5a", "", "", "3"},
		{"Am Hof 2", "amhof", "2", "", "", ""},
		{"Schwedenpl. 1", "schwedenplatz", "1", "", "", ""},
		{"Schweden Platz 1", "schwedenplatz", "1", "", "", ""},
		{"Dr.-Karl-Renner-Ring 3", "drkarlrennerring", "3", "", "", ""},
		{"Doktor-Karl-Renner-Ring 3", "drkarlrennerring", "3", "", "", ""},
		{"Bahnhofst. 4", "bahnhofstrasse", "4", "", "", ""},
		{"Straße des 17. Juni 5", "strassedes17juni", "5", "", "", ""},
		{"Hauptstraße 10, 2. Stock, Top 5", "hauptstrasse", "10", "", "", "5"},
		{"Hauptstraße 10, 2. OG links", "hauptstrasse", "10", "", "", ""},
		{"Rosenweg 7", "rosenweg", "7", "", "", ""},
		{"Hauptstraße 10, 4. Stiege, Top 15", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10/1. Stock/Top 3", "hauptstrasse", "10", "", "", "3"},
		{"Hauptstraße 010/04/015", "hauptstrasse", "10", "", "4", "15"},
		{"Hauptstraße 10 Top 3a", "hauptstrasse", "10", "", "", "3a"},
		{"Hauptstraße 10, 1010 Wien", "hauptstrasse", "10", "", "", ""},
		{"Lange Gasse 5-7/2/11", "langegasse", "5-7", "", "2", "11"},
		{"Wiener Straße 12 / 3 / 2 / 10", "wienerstrasse", "12", "3", "2", "10"},
		{"Am Steinhof 1 Pav. 3", "amsteinhof", "1", "3", "", ""},
		{"Unterer St.-Veit-Weg 4", "unterersanktveitweg", "4", "", "", ""},
		{"10 Hauptstraße", "hauptstrasse", "10", "", "", ""},
		{"Hauptstraße", "hauptstrasse", "", "", "", ""},
		{"", "", "", "", "", ""},
	}
	for _, tt := range tests {
		a := ParseAddress(tt.line, "1010", "Wien", "AT", "")
		got := [5]string{a.Street, a.House, a.Block, a.Stair, a.Door}
		want := [5]string{tt.street, tt.house, tt.block, tt.stair, tt.door}
		if got != want {
			t.Errorf("ParseAddress(%q) street/house/block/stair/door = %q, want %q", tt.line, got, want)
		}
	}
}

func TestParseAddressPostcodeCityCountry(t *testing.T) {
	tests := []struct {
		zip, city, country, def string
		postcode, wantCity, cc  string
	}{
		{"1010", "Wien", "AT", "", "1010", "wien", "AT"},
		{"A-1010", "Wien", "", "", "1010", "wien", "AT"},
		{"AT-1010", "Wien", "Österreich", "", "1010", "wien", "AT"},
		{"D-01067", "Dresden", "", "AT", "01067", "dresden", "DE"},
		{"DE-01067", "Dresden", "Deutschland", "", "01067", "dresden", "DE"},
		{"01067", "Dresden", "", "DE", "01067", "dresden", "DE"},
		{"CH-8001", "Zürich", "", "", "8001", "zuerich", "CH"},
		{"3100", "St. Pölten", "", "AT", "3100", "sankt poelten", "AT"},
		{"3100", "Sankt Pölten", "Austria", "", "3100", "sankt poelten", "AT"},
		{"3100", "ST. PÖLTEN", "A", "", "3100", "sankt poelten", "AT"},
		{"9433", "St.Andrä", "AT", "", "9433", "sankt andrae", "AT"},
		{"6020", "Innsbruck", "Atlantis", "AT", "6020", "innsbruck", "AT"},
		{"6020", "Innsbruck", "", "", "6020", "innsbruck", ""},
		{"1234 AB", "Amsterdam", "NL", "", "1234AB", "amsterdam", "NL"},
		{"NL-1234 AB", "Amsterdam", "", "", "1234AB", "amsterdam", "NL"},
		{"SW1A 1AA", "London", "UK", "", "SW1A1AA", "london", "GB"},
		{"B1 1AA", "Birmingham", "", "GB", "B11AA", "birmingham", "GB"},
		{"", "Wien", "AT", "", "", "wien", "AT"},
		// a German postcode on a portal in a four-digit country
		{"80331", "München", "", "AT", "80331", "muenchen", "DE"},
		{" 01067 ", "Dresden", "", "CH", "01067", "dresden", "DE"},
		{"94032", "Passau", "", "LI", "94032", "passau", "DE"},
		{"80331", "München", "AT", "AT", "80331", "muenchen", "AT"},
		{"80331", "München", "Atlantis", "AT", "80331", "muenchen", "AT"},
		{"80331", "München", "", "IT", "80331", "muenchen", "IT"},
		{"8033", "Graz", "", "AT", "8033", "graz", "AT"},
		{"803311", "Graz", "", "AT", "803311", "graz", "AT"},
	}
	for _, tt := range tests {
		a := ParseAddress("Hauptstraße 1", tt.zip, tt.city, tt.country, tt.def)
		if a.Postcode != tt.postcode || a.City != tt.wantCity || a.Country != tt.cc {
			t.Errorf("ParseAddress(zip %q, city %q, country %q, default %q) = %q, %q, %q; want %q, %q, %q",
				tt.zip, tt.city, tt.country, tt.def, a.Postcode, a.City, a.Country, tt.postcode, tt.wantCity, tt.cc)
		}
	}
}

func TestAddressKey(t *testing.T) {
	a := ParseAddress("Hauptstraße 10/A/4/15", "A-1010", "Wien", "", "AT")
	if got, want := a.Key(), "AT|1010|hauptstrasse|10|a|4|15"; got != want {
		t.Errorf("Key() = %q, want %q", got, want)
	}
	same := [][2][5]string{
		{{"Hauptstraße 10/4/15", "1010", "Wien", "AT", ""}, {"Hauptstr. 10 Stg. 4 Top 15", "A-1010", "Wien", "Österreich", ""}},
		{{"Hauptstraße 10/4/15", "1010", "Wien", "AT", ""}, {"Haupt-Strasse 10, Stiege 4, Tür 15", "1010", "WIEN", "", "AT"}},
		{{"St.-Peter-Gasse 5a / Top 3", "8010", "Graz", "AT", ""}, {"Sankt Peter Gasse 5 a/3", "8010", "Graz", "AT", ""}},
		{{"Hauptstraße 1", "01067", "Dresden", "DE", ""}, {"Hauptstr. 1", "D-01067", "Dresden", "Deutschland", ""}},
	}
	for _, p := range same {
		x := ParseAddress(p[0][0], p[0][1], p[0][2], p[0][3], p[0][4])
		y := ParseAddress(p[1][0], p[1][1], p[1][2], p[1][3], p[1][4])
		if x.Key() == "" || x.Key() != y.Key() {
			t.Errorf("keys differ: %q vs %q", x.Key(), y.Key())
		}
	}
	different := [][2]string{
		{"Hauptstraße 10/4/15", "Hauptstraße 10/4/16"},
		{"Hauptstraße 10/4/15", "Hauptstraße 10/3/15"},
		{"Hauptstraße 10/4/15", "Hauptstraße 10"},
		{"Hauptstraße 10/A/4/15", "Hauptstraße 10/B/4/15"},
		{"Hauptstraße 10", "Hauptstraße 10a"},
	}
	for _, p := range different {
		x := ParseAddress(p[0], "1010", "Wien", "AT", "")
		y := ParseAddress(p[1], "1010", "Wien", "AT", "")
		if x.Key() == y.Key() {
			t.Errorf("%q and %q must be different dwellings, both %q", p[0], p[1], x.Key())
		}
	}
	incomplete := []Address{
		ParseAddress("Hauptstraße", "1010", "Wien", "AT", ""),
		ParseAddress("Hauptstraße 10", "", "Wien", "AT", ""),
		ParseAddress("", "1010", "Wien", "AT", ""),
		ParseAddress("10/4/15", "1010", "Wien", "AT", ""),
		{},
	}
	for _, a := range incomplete {
		if k := a.Key(); k != "" {
			t.Errorf("incomplete address %+v has key %q", a, k)
		}
	}
}

func FuzzParseAddress(f *testing.F) {
	seeds := [][5]string{
		{"Hauptstraße 10/A/4/15", "A-1010", "Wien", "AT", ""},
		{"St.-Peter-Gasse 5a / Top 3", "8010", "St. Pölten", "", "AT"},
		{"Straße des 17. Juni 5", "D-10557", "Berlin", "Deutschland", ""},
		{"10 - / stg top ", "NL-", "", "XX", "GB"},
		{"\xff/\xfe", "\x00", "ǅ", "Ö", "ö"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, street, zip, city, country, def string) {
		a := ParseAddress(street, zip, city, country, def)
		for _, v := range []string{a.Street, a.House, a.Block, a.Stair, a.Door, a.Postcode, a.City, a.Country} {
			if !utf8.ValidString(v) {
				t.Fatalf("invalid UTF-8 in %+v", a)
			}
		}
		k := a.Key()
		if k != "" && strings.Count(k, "|") != 6 {
			t.Fatalf("key %q of %+v does not have seven fields", k, a)
		}
		if cityName(a.City) != a.City {
			t.Fatalf("city %q not normalised", a.City)
		}
		if b := ParseAddress(street, a.Postcode, a.City, a.Country, ""); b.Postcode != a.Postcode || b.City != a.City || b.Country != a.Country {
			t.Fatalf("postcode/city/country not stable: %+v then %+v", a, b)
		}
	})
}
