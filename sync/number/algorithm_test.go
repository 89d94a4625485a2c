package number

import (
	"slices"
	"strings"
	"testing"
)

// testPayloads are 8-digit payloads used for the error-detection tests; they
// include zeros, nines, repeats and every digit.
var testPayloads = []string{"12345678", "00000000", "99999999", "90817263", "40960519", "55501234"}

func TestNamesAndLookup(t *testing.T) {
	want := []string{"damm", "iso7064-97-10", "luhn", "verhoeff"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, name := range want {
		for _, spelling := range []string{name, strings.ToUpper(name)} {
			a, err := Lookup(spelling)
			if err != nil {
				t.Fatalf("Lookup(%q): %v", spelling, err)
			}
			if a.Name() != name {
				t.Errorf("Lookup(%q).Name() = %q", spelling, a.Name())
			}
		}
	}
	_, err := Lookup("mod11")
	if err == nil {
		t.Fatal("Lookup(\"mod11\") succeeded")
	}
	for _, name := range want {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestDigits(t *testing.T) {
	want := map[string]int{"damm": 1, "luhn": 1, "verhoeff": 1, "iso7064-97-10": 2}
	for _, a := range algorithms {
		if a.Digits() != want[a.Name()] {
			t.Errorf("%s: Digits() = %d, want %d", a.Name(), a.Digits(), want[a.Name()])
		}
	}
}

func TestComputeRejectsBadPayload(t *testing.T) {
	for _, a := range algorithms {
		for _, bad := range []string{"", "12a4", " 123", "١٢٣", "12-3"} {
			if c, err := a.Compute(bad); err == nil {
				t.Errorf("%s: Compute(%q) = %q, want error", a.Name(), bad, c)
			}
		}
	}
}

func TestValidRejectsOddInput(t *testing.T) {
	for _, a := range algorithms {
		for _, bad := range []string{"", "0", "00"[:a.Digits()], "12x", "x12", "1 2"} {
			if a.Valid(bad) {
				t.Errorf("%s: Valid(%q) = true", a.Name(), bad)
			}
		}
	}
}

// withCheck returns payload followed by its check digits.
func withCheck(t *testing.T, a Algorithm, payload string) string {
	t.Helper()
	c, err := a.Compute(payload)
	if err != nil {
		t.Fatalf("%s: Compute(%q): %v", a.Name(), payload, err)
	}
	if len(c) != a.Digits() || !allDigits(c) {
		t.Fatalf("%s: Compute(%q) = %q, want %d digits", a.Name(), payload, c, a.Digits())
	}
	full := payload + c
	if !a.Valid(full) {
		t.Fatalf("%s: Valid(%q) = false", a.Name(), full)
	}
	return full
}

// testSingleSubstitutions asserts that changing any one digit, check digits
// included, is detected.
func testSingleSubstitutions(t *testing.T, a Algorithm) {
	for _, p := range testPayloads {
		full := withCheck(t, a, p)
		for i := range len(full) {
			for d := byte('0'); d <= '9'; d++ {
				if d == full[i] {
					continue
				}
				changed := full[:i] + string(d) + full[i+1:]
				if a.Valid(changed) {
					t.Errorf("%s: substitution %q -> %q not detected", a.Name(), full, changed)
				}
			}
		}
	}
}

// missedTranspositions swaps every adjacent pair of distinct digits in each
// test payload with its check digits and returns the swapped pairs that
// still validate, such as "09".
func missedTranspositions(t *testing.T, a Algorithm) []string {
	var missed []string
	for _, p := range testPayloads {
		full := withCheck(t, a, p)
		for i := 0; i+1 < len(full); i++ {
			if full[i] == full[i+1] {
				continue
			}
			b := []byte(full)
			b[i], b[i+1] = b[i+1], b[i]
			if a.Valid(string(b)) {
				missed = append(missed, full[i:i+2])
			}
		}
	}
	// Every pair of distinct digits, next to each other at both parities.
	for x := byte('0'); x <= '9'; x++ {
		for y := byte('0'); y <= '9'; y++ {
			if x == y {
				continue
			}
			for _, p := range []string{"1" + string([]byte{x, y}) + "45", "12" + string([]byte{x, y}) + "45"} {
				full := withCheck(t, a, p)
				swapped := strings.Replace(full, string([]byte{x, y}), string([]byte{y, x}), 1)
				if a.Valid(swapped) {
					missed = append(missed, string([]byte{x, y}))
				}
			}
		}
	}
	return missed
}

// testAllTranspositions asserts that every adjacent transposition of
// distinct digits is detected.
func testAllTranspositions(t *testing.T, a Algorithm) {
	if missed := missedTranspositions(t, a); len(missed) > 0 {
		t.Errorf("%s: transpositions not detected: %v", a.Name(), missed)
	}
}
