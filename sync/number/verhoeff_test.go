package number

import "testing"

func TestVerhoeffVectors(t *testing.T) {
	for payload, want := range map[string]string{"236": "3", "12345": "1", "142857": "0"} {
		if got, err := (verhoeff{}).Compute(payload); err != nil || got != want {
			t.Errorf("Compute(%q) = %q, %v; want %q", payload, got, err, want)
		}
	}
	if !(verhoeff{}).Valid("2363") || (verhoeff{}).Valid("2364") {
		t.Error("Valid disagrees with the 236 -> 3 vector")
	}
}

func TestVerhoeffSingleDigit(t *testing.T)   { testSingleSubstitutions(t, verhoeff{}) }
func TestVerhoeffTransposition(t *testing.T) { testAllTranspositions(t, verhoeff{}) }
