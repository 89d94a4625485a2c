package number

// luhn is the Luhn (mod 10) algorithm, offered because payment cards and
// many legacy member numbers already use it. It misses the 09<->90
// transposition.
type luhn struct{}

// Name returns "luhn", the configuration name of the Luhn algorithm.
func (luhn) Name() string { return "luhn" }

// Digits returns 1 because Luhn appends a single check digit.
func (luhn) Digits() int { return 1 }

// Compute returns the Luhn check digit for a payload of ASCII digits. Every
// second digit, starting with the rightmost payload digit, is doubled.
func (l luhn) Compute(digits string) (string, error) {
	if err := checkPayload(l.Name(), digits); err != nil {
		return "", err
	}
	sum := 0
	double := true
	for i := len(digits) - 1; i >= 0; i-- {
		v := int(digits[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return digitString((10 - sum%10) % 10), nil
}

// Valid reports whether s ends in the Luhn check digit of its payload.
func (l luhn) Valid(s string) bool { return validWith(l, s) }
