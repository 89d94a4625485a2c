package number

import (
	"slices"
	"testing"
)

func TestLuhnVectors(t *testing.T) {
	for payload, want := range map[string]string{"7992739871": "3", "0": "0", "4111111111111111"[:15]: "1"} {
		if got, err := (luhn{}).Compute(payload); err != nil || got != want {
			t.Errorf("Compute(%q) = %q, %v; want %q", payload, got, err, want)
		}
	}
	if !(luhn{}).Valid("79927398713") || (luhn{}).Valid("79927398710") {
		t.Error("Valid disagrees with the 7992739871 -> 3 vector")
	}
}

func TestLuhnSingleDigit(t *testing.T) { testSingleSubstitutions(t, luhn{}) }

// TestLuhnTransposition documents Luhn's known weakness: it catches every
// adjacent transposition except 09 <-> 90.
func TestLuhnTransposition(t *testing.T) {
	missed := missedTranspositions(t, luhn{})
	for _, pair := range missed {
		if pair != "09" && pair != "90" {
			t.Errorf("transposition of %q not detected", pair)
		}
	}
	if !slices.Contains(missed, "09") || !slices.Contains(missed, "90") {
		t.Errorf("missed = %v, want the known 09 <-> 90 blind spot", missed)
	}
	// A concrete case: 1090 and 1900 carry the same check digit.
	a, _ := (luhn{}).Compute("1090")
	b, _ := (luhn{}).Compute("1900")
	if a != b {
		t.Errorf("Compute(1090) = %s, Compute(1900) = %s; expected equal", a, b)
	}
}
