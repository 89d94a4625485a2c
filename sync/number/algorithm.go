package number

import (
	"fmt"
	"strings"
)

// Algorithm computes and verifies check digits over a string of ASCII digits,
// so that a mistyped customer number is caught before it is looked up.
type Algorithm interface {
	// Name returns the identifier used in configuration: "damm", "luhn",
	// "verhoeff" or "iso7064-97-10".
	Name() string
	// Digits returns how many check digits Compute appends: 1, or 2 for
	// iso7064-97-10.
	Digits() int
	// Compute returns the check digits for a payload of ASCII digits. It
	// fails when the payload is empty or holds anything other than 0-9.
	Compute(digits string) (string, error)
	// Valid reports whether digitsWithCheck is a non-empty payload followed
	// by exactly the check digits that Compute returns for it.
	Valid(digitsWithCheck string) bool
}

// algorithms lists every built-in Algorithm, sorted by name so that Names
// and error messages are stable.
var algorithms = []Algorithm{damm{}, iso7064{}, luhn{}, verhoeff{}}

// Lookup returns the built-in Algorithm with the given name, ignoring case,
// so that configuration files can name the scheme in any spelling.
func Lookup(name string) (Algorithm, error) {
	for _, a := range algorithms {
		if strings.EqualFold(a.Name(), name) {
			return a, nil
		}
	}
	return nil, fmt.Errorf("unknown check digit algorithm %s (valid: %s)",
		quote(name), strings.Join(Names(), ", "))
}

// Names returns the names of all built-in algorithms in sorted order, so
// that configuration help and validation can list the choices.
func Names() []string {
	names := make([]string, len(algorithms))
	for i, a := range algorithms {
		names[i] = a.Name()
	}
	return names
}

// checkPayload rejects payloads that no check digit scheme can handle, so
// each algorithm only ever sees non-empty strings of ASCII digits.
func checkPayload(name, digits string) error {
	if digits == "" {
		return fmt.Errorf("%s: empty payload", name)
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return fmt.Errorf("%s: payload has a non-digit at position %d", name, i+1)
		}
	}
	return nil
}

// validWith implements Valid for any Algorithm by recomputing the check
// digits, so that only the one canonical check value is accepted.
func validWith(a Algorithm, s string) bool {
	n := len(s) - a.Digits()
	if n < 1 {
		return false
	}
	want, err := a.Compute(s[:n])
	return err == nil && s[n:] == want
}

// isDigit reports whether c is an ASCII digit; check digit schemes are
// defined over 0-9 only, not over other Unicode digits.
func isDigit(c byte) bool {
	return '0' <= c && c <= '9'
}

// allDigits reports whether s is non-empty and consists of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// digitString returns the one-character string for the digit value v.
func digitString(v int) string {
	return string(rune('0' + v))
}
