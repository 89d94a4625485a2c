package number

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format prints the customer number for seq. It refuses seq > MaxSeq() with
// ErrOverflow rather than printing a wider number, and, when the template
// uses {country}, refuses anything but two uppercase ASCII letters with
// ErrCountry. Without {country} the country argument is ignored.
func (t *Template) Format(seq uint64, country string) (string, error) {
	if seq > t.MaxSeq() {
		return "", fmt.Errorf("%w: %d is above %d for %s", ErrOverflow, seq, t.MaxSeq(), quote(t.src))
	}
	if t.usesCountry && !isCountry(country) {
		return "", fmt.Errorf("%w %s: want two uppercase letters A-Z", ErrCountry, quote(country))
	}
	buf := make([]byte, 0, t.length)
	for _, seg := range t.segs {
		switch seg.kind {
		case literalPiece:
			buf = append(buf, seg.text...)
		case seqPiece:
			digits := strconv.FormatUint(seq, 10)
			for range seg.width - len(digits) {
				buf = append(buf, '0')
			}
			buf = append(buf, digits...)
		case countryPiece:
			buf = append(buf, country...)
		case checkPiece:
			c, err := t.check(string(buf))
			if err != nil {
				return "", err
			}
			buf = append(buf, c...)
		}
	}
	return string(buf), nil
}

// Parse is the inverse of Format: it returns the sequence value and country
// code of a number after checking that it has exactly the template's shape
// and a correct check digit. Surrounding white space is ignored; literal
// text is case-sensitive. The country is "" when the template has none.
// Errors wrap ErrMalformed or ErrCheckDigit.
func (t *Template) Parse(number string) (seq uint64, country string, err error) {
	s := strings.TrimSpace(number)
	// Numbers are pure ASCII, so after this loop bytes and characters agree
	// and positions in messages are exact.
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return 0, "", fmt.Errorf("%w %s: unexpected %q at position %d",
				ErrMalformed, quote(s), r, utf8.RuneCountInString(s[:i])+1)
		}
	}
	if len(s) != t.length {
		return 0, "", fmt.Errorf("%w %s: want %d characters, got %d", ErrMalformed, quote(s), t.length, len(s))
	}
	checkAt := -1
	pos := 0
	for _, seg := range t.segs {
		part := s[pos : pos+seg.width]
		ok := true
		switch seg.kind {
		case literalPiece:
			if part != seg.text {
				return 0, "", fmt.Errorf("%w %s: want %q at position %d", ErrMalformed, quote(s), seg.text, pos+1)
			}
		case seqPiece:
			if ok = allDigits(part); ok {
				seq, _ = strconv.ParseUint(part, 10, 64) // at most 18 digits: cannot fail
			}
		case countryPiece:
			if ok = isCountry(part); ok {
				country = part
			}
		case checkPiece:
			ok = allDigits(part)
			checkAt = pos
		}
		if !ok {
			return 0, "", fmt.Errorf("%w %s: want %s at position %d", ErrMalformed, quote(s), seg.describe(), pos+1)
		}
		pos += seg.width
	}
	if checkAt >= 0 {
		want, err := t.check(s[:checkAt])
		if err != nil {
			return 0, "", err
		}
		if s[checkAt:checkAt+len(want)] != want {
			return 0, "", fmt.Errorf("%w in %s", ErrCheckDigit, quote(s))
		}
	}
	return seq, country, nil
}

// Validate reports whether number is a well-formed number of this template
// with a correct check digit; it returns nil when it is, and otherwise an
// error wrapping ErrMalformed or ErrCheckDigit.
func (t *Template) Validate(number string) error {
	_, _, err := t.Parse(number)
	return err
}

// check computes the check digits over every ASCII digit of prefix, so that
// digits in literal text such as a numeric prefix are protected as well.
func (t *Template) check(prefix string) (string, error) {
	payload := make([]byte, 0, len(prefix))
	for i := 0; i < len(prefix); i++ {
		if isDigit(prefix[i]) {
			payload = append(payload, prefix[i])
		}
	}
	c, err := t.alg.Compute(string(payload))
	if err != nil {
		return "", err
	}
	if len(c) != t.alg.Digits() || !allDigits(c) {
		return "", fmt.Errorf("check digit algorithm %q returned %q, want %d digits", t.alg.Name(), c, t.alg.Digits())
	}
	return c, nil
}

// describe names what a non-literal segment expects, for error messages.
func (seg segment) describe() string {
	switch seg.kind {
	case seqPiece:
		return fmt.Sprintf("%d digits", seg.width)
	case countryPiece:
		return "a country code"
	default:
		if seg.width == 1 {
			return "a check digit"
		}
		return fmt.Sprintf("%d check digits", seg.width)
	}
}

// isCountry reports whether s has the shape of an ISO 3166 alpha-2 code:
// two uppercase ASCII letters. Whether the code is assigned is not checked.
func isCountry(s string) bool {
	return len(s) == 2 && 'A' <= s[0] && s[0] <= 'Z' && 'A' <= s[1] && s[1] <= 'Z'
}
