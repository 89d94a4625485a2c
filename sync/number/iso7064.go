package number

// iso7064 is ISO/IEC 7064 MOD 97-10, the scheme behind IBAN check digits.
// It appends two digits and detects every single-digit error, every
// transposition and every twin error, at the cost of one extra character.
type iso7064 struct{}

// Name returns "iso7064-97-10", the configuration name of ISO 7064 MOD 97-10.
func (iso7064) Name() string { return "iso7064-97-10" }

// Digits returns 2 because MOD 97-10 appends two check digits.
func (iso7064) Digits() int { return 2 }

// Compute returns the two check digits for a payload of ASCII digits:
// 98 - (payload*100 mod 97), zero-padded, so that payload||check mod 97 == 1.
// The remainder is taken digit by digit, so payloads of any length work.
func (a iso7064) Compute(digits string) (string, error) {
	if err := checkPayload(a.Name(), digits); err != nil {
		return "", err
	}
	r := 0
	for i := 0; i < len(digits); i++ {
		r = (r*10 + int(digits[i]-'0')) % 97
	}
	c := 98 - r*100%97
	return digitString(c/10) + digitString(c%10), nil
}

// Valid reports whether s ends in the MOD 97-10 check digits of its payload.
// Only the canonical pair 02..98 is accepted, not an alias such as 99 for
// 02 that would also satisfy the mod 97 test.
func (a iso7064) Valid(s string) bool { return validWith(a, s) }
