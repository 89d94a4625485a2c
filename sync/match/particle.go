package match

import "strings"

// SurnameCore normalises a surname like Name and also drops name particles
// (von, van, de, zu, ...), because Austrian law abolished "von" in 1919 and
// portals record such names both with and without it. A name made only of
// particles is returned as Name gives it.
func SurnameCore(s string) string {
	toks := personTokens(s)
	var out []string
	for _, t := range toks {
		if !particles[t] {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return strings.Join(toks, " ")
	}
	return strings.Join(out, " ")
}
