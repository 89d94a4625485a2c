package match

import "strings"

// callingCodes are the international calling codes of the countries
// Country knows, longest first where one is the start of another.
var callingCodes = []string{
	"423", "420", "421", "352", "353", "354", "355", "356", "357", "358", "359", "370", "371", "372", "376",
	"377", "378", "379", "380", "381", "382", "383", "385", "386", "387", "389",
	"30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49", "90",
	"1", "7",
}

// Phone reduces a phone number as people type it (+43 664 1234567,
// 0664/123 45 67, 0043-664-1234567) to the digits that identify it within
// its country: the country code or the trunk prefix 0 is dropped, so that
// the international and the national spelling compare equal. It returns ""
// when s holds no digits.
func Phone(s string) string {
	s = strings.TrimSpace(s)
	international := strings.HasPrefix(s, "+")
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if !international && strings.HasPrefix(d, "00") {
		d, international = d[2:], true
	}
	if international {
		for _, cc := range callingCodes {
			if rest, ok := strings.CutPrefix(d, cc); ok {
				return strings.TrimPrefix(rest, "0")
			}
		}
		return d
	}
	return strings.TrimPrefix(d, "0")
}
