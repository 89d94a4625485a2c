package match

import (
	"strings"
	"unicode"
)

// alnumPostcodes are the countries whose postcodes contain letters, which
// must be kept there to tell areas apart.
var alnumPostcodes = map[string]bool{"GB": true, "IE": true, "NL": true, "MT": true, "CA": true}

// postcodeCountry reads the country from a prefixed postcode such as
// "A-1010", "D-01067" or "CH-8001". The prefix must be separated by a hyphen
// or space, so British postcodes like "B1 1AA" are not taken for Belgium.
func postcodeCountry(zip string) (string, bool) {
	z := strings.TrimSpace(fold(zip))
	i := strings.IndexFunc(z, func(r rune) bool { return r < 'a' || r > 'z' })
	if i <= 0 || i > 3 {
		return "", false
	}
	rest := strings.TrimLeft(z[i:], " -–")
	if len(rest) == len(z[i:]) || rest == "" || !isASCIIDigit(rune(rest[0])) {
		return "", false
	}
	return Country(z[:i])
}

// normalisePostcode keeps the digits of a postcode (so "A-1010" and "1010"
// agree and German leading zeros survive); for countries with alphanumeric
// postcodes it keeps letters and digits in upper case, without a leading
// country prefix.
func normalisePostcode(zip, country string) string {
	z := fold(zip)
	if alnumPostcodes[country] {
		if c, ok := postcodeCountry(zip); ok && c == country {
			z = strings.TrimLeft(strings.TrimLeftFunc(strings.TrimSpace(z), isASCIILetter), " -–")
		}
		var b strings.Builder
		for _, r := range z {
			if isASCIIDigit(r) || isASCIILetter(r) {
				b.WriteRune(unicode.ToUpper(r))
			}
		}
		return b.String()
	}
	var b strings.Builder
	for _, r := range z {
		if isASCIIDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isASCIIDigit reports 0-9 only; other scripts' digits are not postcode
// or house number digits.
func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// isASCIILetter reports a-z, the letters of folded postcode prefixes.
func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' }
