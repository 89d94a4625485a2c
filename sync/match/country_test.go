package match

import (
	"strings"
	"testing"
)

func TestCountry(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"AT", "AT", true},
		{"at", "AT", true},
		{"AUT", "AT", true},
		{"Österreich", "AT", true},
		{"Oesterreich", "AT", true},
		{"Osterreich", "AT", true},
		{" ÖSTERREICH ", "AT", true},
		{"Austria", "AT", true},
		{"A", "AT", true},
		{"DE", "DE", true},
		{"DEU", "DE", true},
		{"Deutschland", "DE", true},
		{"Germany", "DE", true},
		{"BRD", "DE", true},
		{"D", "DE", true},
		{"CH", "CH", true},
		{"Schweiz", "CH", true},
		{"Switzerland", "CH", true},
		{"Suisse", "CH", true},
		{"LI", "LI", true},
		{"Liechtenstein", "LI", true},
		{"FL", "LI", true},
		{"IT", "IT", true},
		{"Italien", "IT", true},
		{"Italy", "IT", true},
		{"LU", "LU", true},
		{"Luxemburg", "LU", true},
		{"NL", "NL", true},
		{"Niederlande", "NL", true},
		{"BE", "BE", true},
		{"Belgien", "BE", true},
		{"FR", "FR", true},
		{"Frankreich", "FR", true},
		{"UK", "GB", true},
		{"GB", "GB", true},
		{"Großbritannien", "GB", true},
		{"Vereinigtes Königreich", "GB", true},
		{"United Kingdom", "GB", true},
		{"Tschechien", "CZ", true},
		{"Česko", "CZ", true},
		{"Slowenien", "SI", true},
		{"Ungarn", "HU", true},
		{"Kroatien", "HR", true},
		{"Polen", "PL", true},
		{"Dänemark", "DK", true},
		{"Rumänien", "RO", true},
		{"Türkei", "TR", true},
		{"U.S.A.", "US", true},
		{"", "", false},
		{"   ", "", false},
		{"Atlantis", "", false},
		{"XX", "", false},
	}
	for _, tt := range tests {
		got, ok := Country(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Country(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCountryTableCoversEU(t *testing.T) {
	eu := []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
	for _, c := range append(eu, "CH", "LI", "GB") {
		if got, ok := Country(c); !ok || got != c {
			t.Errorf("Country(%q) = %q, %v", c, got, ok)
		}
	}
}

func TestCountryTableUnambiguous(t *testing.T) {
	seen := map[string]string{}
	for code, names := range countryNames {
		for _, n := range append([]string{strings.ToLower(code)}, names...) {
			if countryKey(n) != n {
				t.Errorf("spelling %q of %s is not in key form", n, code)
			}
			if other, dup := seen[n]; dup && other != code {
				t.Errorf("spelling %q maps to %s and %s", n, other, code)
			}
			seen[n] = code
		}
	}
}
