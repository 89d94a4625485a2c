package match

import "strings"

// Address is a parsed postal address in the normalised form used to decide
// whether two registrations live in the same dwelling.
type Address struct {
	Street   string // street name: lower case, transliterated, abbreviations expanded ("str." -> "strasse", leading "st." -> "sankt"), spaces, hyphens and dots removed ("hauptstrasse")
	House    string // house number with letter suffix or range, lower case: "10a", "10-12"
	Block    string // Austrian block or Bauteil: "10/A/4/15" -> "a"
	Stair    string // Austrian Stiege: "10/4/15" or "Stg. 4" -> "4"
	Door     string // Top or Tür: "15"
	Postcode string // digits only, country prefixes such as "A-" or "D-" removed, leading zeros kept; letters kept (upper case) for GB, IE, NL, MT and CA
	City     string // Name-style normalised without title removal, "St." expanded to "sankt"
	Country  string // ISO 3166 alpha-2 code, or "" if unknown
}

// ParseAddress parses the free-text street line ("Hauptstraße 10/4/15",
// "Hauptstr. 10 Stg. 4 Top 15", "St.-Peter-Gasse 5a / Top 3") together with
// the postcode, city and country fields of a registration, so that the same
// dwelling written differently yields the same Key. The country comes from
// the country field, else from a postcode prefix ("A-1010"), else from
// defaultCountry (alpha-2 or any spelling Country knows); a five-digit
// postcode with the country field empty is German (DE) even when the
// default is Austria, Switzerland or Liechtenstein, whose postcodes have
// four digits. Floor and side details ("2. Stock", "links") are ignored
// because they are rarely written consistently. ParseAddress never panics.
func ParseAddress(street, zip, city, country, defaultCountry string) Address {
	var a Address
	a.Country = resolveCountry(country, zip, defaultCountry)
	line := parseStreetLine(street)
	a.Street, a.House, a.Block, a.Stair, a.Door = line.street, line.house, line.block, line.stair, line.door
	a.Postcode = normalisePostcode(zip, a.Country)
	a.City = cityName(city)
	return a
}

// Key returns a canonical string identifying the dwelling, formatted as
// country|postcode|street|house|block|stair|door with empty fields left
// empty. It returns "" when street, house number or postcode is missing, so
// that incomplete addresses never join people into one household.
func (a Address) Key() string {
	if a.Street == "" || a.House == "" || a.Postcode == "" {
		return ""
	}
	return strings.Join([]string{a.Country, a.Postcode, a.Street, a.House, a.Block, a.Stair, a.Door}, "|")
}

// resolveCountry picks the address country from the country field, a
// postcode prefix or the default, in that order. With the country field
// left empty, a five-digit postcode is German where the default country's
// postcodes have four digits: otherwise a member in Germany who leaves the
// field empty on an Austrian portal gets an Austrian address that never
// equals the same address given with its country.
func resolveCountry(country, zip, defaultCountry string) string {
	if c, ok := Country(country); ok {
		return c
	}
	if c, ok := postcodeCountry(zip); ok {
		return c
	}
	if c, ok := Country(defaultCountry); ok {
		if fourDigitPostcodes[c] && strings.TrimSpace(country) == "" && isFiveDigits(strings.TrimSpace(zip)) {
			return "DE"
		}
		return c
	}
	return ""
}

// fourDigitPostcodes are the default countries whose postcodes have four
// digits, so that a five-digit one cannot be theirs.
var fourDigitPostcodes = map[string]bool{"AT": true, "CH": true, "LI": true}

// isFiveDigits reports a German postcode: exactly five ASCII digits.
func isFiveDigits(s string) bool {
	if len(s) != 5 {
		return false
	}
	for _, r := range s {
		if !isASCIIDigit(r) {
			return false
		}
	}
	return true
}

// cityName normalises a city like Name but keeps title-like words and
// writes "St."/"Skt." as "sankt", so "St. Pölten" equals "Sankt Pölten".
func cityName(city string) string {
	toks := nameTokens(city, false, false)
	for i, t := range toks {
		if (t == "st" || t == "skt") && i < len(toks)-1 {
			toks[i] = "sankt"
		}
	}
	return strings.Join(toks, " ")
}
