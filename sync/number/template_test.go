package number

import (
	"strings"
	"testing"
)

func TestParseTemplateGood(t *testing.T) {
	tests := []struct {
		src         string
		alg         Algorithm
		maxSeq      uint64
		maxLen      int
		hasCheck    bool
		usesCountry bool
	}{
		{"{seq:8}{check}", damm{}, 99999999, 9, true, false},
		{"AT-{seq:6}{check}", luhn{}, 999999, 10, true, false},
		{"{country}{seq:7}{check}", verhoeff{}, 9999999, 10, true, true},
		{"{seq:1}", nil, 9, 1, false, false},
		{"{seq:18}{check}", iso7064{}, 999999999999999999, 20, true, false},
		{"42{seq:4}{check}", damm{}, 9999, 7, true, false},
		{"K {seq:5}/{check}.x_y", damm{}, 99999, 13, true, false},
		{"{seq:3}", damm{}, 999, 3, false, false},
		{"{country}-{seq:2}", nil, 99, 5, false, true},
		{"{seq:4}{check}{country}", iso7064{}, 9999, 8, true, true},
		{"A" + strings.Repeat("b", 56) + "{seq:2}", nil, 99, 59, false, false},
	}
	for _, tt := range tests {
		tmpl, err := ParseTemplate(tt.src, tt.alg)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.src, err)
			continue
		}
		if tmpl.String() != tt.src || tmpl.MaxSeq() != tt.maxSeq || tmpl.MaxLen() != tt.maxLen ||
			tmpl.HasCheck() != tt.hasCheck || tmpl.UsesCountry() != tt.usesCountry {
			t.Errorf("%q: got String=%q MaxSeq=%d MaxLen=%d HasCheck=%v UsesCountry=%v", tt.src,
				tmpl.String(), tmpl.MaxSeq(), tmpl.MaxLen(), tmpl.HasCheck(), tmpl.UsesCountry())
		}
	}
}

func TestParseTemplateBad(t *testing.T) {
	tests := []struct {
		src  string
		alg  Algorithm
		want string // part of the error message
	}{
		{"", damm{}, "empty"},
		{"AT-", damm{}, "missing {seq:N}"},
		{"{seq}", damm{}, "{seq} at position 1 needs a width"},
		{"{seq:0}", damm{}, `width "0"`},
		{"{seq:19}", damm{}, `width "19"`},
		{"{seq:08}", damm{}, `width "08"`},
		{"{seq:-1}", damm{}, `width "-1"`},
		{"{seq:+5}", damm{}, `width "+5"`},
		{"{seq:}", damm{}, `width ""`},
		{"{seq:8}{seq:2}", damm{}, "second {seq:N} at position 8"},
		{"{check}{seq:8}", damm{}, "{check} at position 1 must come after {seq:N}"},
		{"{seq:8}{check}{check}", damm{}, "second {check} at position 15"},
		{"{seq:8}{check}", nil, "needs a check digit algorithm"},
		{"{country}{seq:8}{country}", nil, "second {country} at position 17"},
		{"X{foo}{seq:8}", damm{}, `unknown token "{foo}" at position 2`},
		{"{SEQ:8}", damm{}, `unknown token "{SEQ:8}"`},
		{"{Check}{seq:8}", damm{}, `unknown token "{Check}"`},
		{"{seq:8", damm{}, `unclosed "{" at position 1`},
		{"AB}{seq:8}", damm{}, `"}" at position 3 has no matching`},
		{"AT:{seq:8}", damm{}, `character ':' at position 3`},
		{"Ä{seq:8}", damm{}, `character 'Ä' at position 1`},
		{"A\t{seq:8}", damm{}, `character '\t' at position 2`},
		{" AT{seq:8}", damm{}, "leading or trailing space"},
		{"{seq:8} ", damm{}, "leading or trailing space"},
		{strings.Repeat("A", 58) + "{seq:8}", damm{}, "65 bytes long, the limit is 64"},
	}
	for _, tt := range tests {
		tmpl, err := ParseTemplate(tt.src, tt.alg)
		if err == nil {
			t.Errorf("ParseTemplate(%q) = %v, want error", tt.src, tmpl)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTemplate(%q) error %q does not contain %q", tt.src, err, tt.want)
		}
	}
}

// TestParseTemplateWithoutCheckIgnoresAlgorithm checks that a template
// without {check} works with or without an algorithm.
func TestParseTemplateWithoutCheckIgnoresAlgorithm(t *testing.T) {
	for _, alg := range []Algorithm{nil, luhn{}} {
		tmpl, err := ParseTemplate("M{seq:4}", alg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Format(42, "")
		if err != nil || got != "M0042" {
			t.Errorf("Format = %q, %v; want M0042", got, err)
		}
	}
}
