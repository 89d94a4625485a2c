package match

import (
	"strings"
	"unicode"
)

// generationWords are the markers that tell a parent from a child of the
// same name: "Gruber jun.", "Thomas sen.", "Huber Junior", "Jr.", "Sr.".
var generationWords = map[string]string{
	"jun": "jun", "junior": "jun", "jr": "jun",
	"sen": "sen", "senior": "sen", "sr": "sen",
}

// Generation returns the generation marker written at the end of a name
// field: "jun" for jun./junior/jr./d.J. (der Jüngere), "sen" for
// sen./senior/sr./d.Ä. (der Ältere), else "". Name, FirstName and
// SurnameCore drop the marker, so "Gruber jun." and "Gruber" normalise
// alike; Generation keeps what it says, because the marker is how parent
// and child of one name, often at one address and with one mailbox, tell
// themselves apart.
//
// A marker counts only after the name it qualifies, so a field that is
// nothing but "Jun" or "Sen" (a given name, a surname) has none.
func Generation(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
		return "" // letters only, one word: a marker needs a name before it
	}
	_, gen := trimGeneration(nameTokens(s, true, false))
	return gen
}

// trimGeneration removes the generation markers that end a list of name
// tokens, always keeping the first token, and returns the marker nearest to
// the name. Markers elsewhere are left alone: "Jun Li" is a name.
func trimGeneration(toks []string) ([]string, string) {
	var gen string
	for len(toks) > 1 {
		n := len(toks)
		if g, ok := generationWords[toks[n-1]]; ok {
			toks, gen = toks[:n-1], g
			continue
		}
		// "d. J." and "d. Ä." are split at their dots into two tokens.
		if n > 2 && toks[n-2] == "d" {
			switch toks[n-1] {
			case "j":
				toks, gen = toks[:n-2], "jun"
				continue
			case "ae", "a":
				toks, gen = toks[:n-2], "sen"
				continue
			}
		}
		break
	}
	return toks, gen
}
