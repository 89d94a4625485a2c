package number

import (
	"strconv"
	"testing"
)

func TestISO7064Vectors(t *testing.T) {
	for payload, want := range map[string]string{
		"794": "44", // the example in ISO/IEC 7064
		// IBAN GB82 WEST 1234 5698 7654 32: BBAN + "GB" as digits.
		"32142829123456987654321611": "82",
		"0":                          "98",
	} {
		if got, err := (iso7064{}).Compute(payload); err != nil || got != want {
			t.Errorf("Compute(%q) = %q, %v; want %q", payload, got, err, want)
		}
	}
	if !(iso7064{}).Valid("79444") || (iso7064{}).Valid("79445") {
		t.Error("Valid disagrees with the 794 -> 44 vector")
	}
}

// TestISO7064Canonical checks that the result always satisfies
// payload||check mod 97 == 1 and that only the canonical pair is accepted.
func TestISO7064Canonical(t *testing.T) {
	a := iso7064{}
	for n := range 2000 {
		p := digitString(n%10) + digitString(n/10%10) + digitString(n/100%10) + digitString(n/1000)
		full := withCheck(t, a, p)
		r := 0
		for i := range len(full) {
			r = (r*10 + int(full[i]-'0')) % 97
		}
		if r != 1 {
			t.Fatalf("%s mod 97 = %d, want 1", full, r)
		}
		c := full[len(p):]
		if c < "02" || c > "98" {
			t.Fatalf("check %q of %q outside 02..98", c, p)
		}
	}
}

// TestISO7064Aliases checks that 99 (congruent to 02) and 00 (congruent to
// 97) are refused although they pass the bare mod 97 test.
func TestISO7064Aliases(t *testing.T) {
	a := iso7064{}
	aliases := map[string]string{"02": "99", "97": "00"}
	found := map[string]bool{}
	for n := range 10000 {
		p := strconv.Itoa(n)
		c, _ := a.Compute(p)
		alias, ok := aliases[c]
		if !ok || found[c] {
			continue
		}
		found[c] = true
		if a.Valid(p + alias) {
			t.Errorf("Valid(%q) = true, want only %q", p+alias, p+c)
		}
	}
	if len(found) != len(aliases) {
		t.Fatalf("found payloads only for %v", found)
	}
}

func TestISO7064SingleDigit(t *testing.T)   { testSingleSubstitutions(t, iso7064{}) }
func TestISO7064Transposition(t *testing.T) { testAllTranspositions(t, iso7064{}) }
