package number

import "testing"

func TestDammVectors(t *testing.T) {
	for payload, want := range map[string]string{"572": "4", "0": "0", "1": "3"} {
		if got, err := (damm{}).Compute(payload); err != nil || got != want {
			t.Errorf("Compute(%q) = %q, %v; want %q", payload, got, err, want)
		}
	}
	if !(damm{}).Valid("5724") || (damm{}).Valid("5723") {
		t.Error("Valid disagrees with the 572 -> 4 vector")
	}
}

func TestDammSingleDigit(t *testing.T)   { testSingleSubstitutions(t, damm{}) }
func TestDammTransposition(t *testing.T) { testAllTranspositions(t, damm{}) }
