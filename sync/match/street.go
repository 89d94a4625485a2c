package match

import (
	"strings"
	"unicode"
)

// streetPiece is one word of a street name; dotted records an abbreviation
// dot ("str.", "st.", "g.").
type streetPiece struct {
	text   string
	dotted bool
}

// houseNumberWords are words that only announce the house number
// ("Hauptstraße Nr. 10") and are not part of the street name.
var houseNumberWords = map[string]bool{"nr": true, "no": true, "hausnr": true, "hausnummer": true, "nummer": true}

// normaliseStreet turns a folded street name into its comparison form:
// abbreviations expanded and all spaces, hyphens and dots removed, so that
// "Haupt-Straße", "Hauptstr." and "Haupt Strasse" all become
// "hauptstrasse", and "St.-Peter-Gasse" becomes "sanktpetergasse".
func normaliseStreet(folded string) string {
	pieces := streetPieces(folded)
	for len(pieces) > 0 && houseNumberWords[pieces[len(pieces)-1].text] {
		pieces = pieces[:len(pieces)-1]
	}
	var b strings.Builder
	last := len(pieces) - 1
	for i, p := range pieces {
		b.WriteString(expandStreetPiece(p, i == 0, i == last))
	}
	return b.String()
}

// expandStreetPiece expands the abbreviations of one street word. "St." is
// Sankt at the start or inside a name and Straße at its end, also as a
// compound ("Bahnhofst.").
func expandStreetPiece(p streetPiece, first, last bool) string {
	t := p.text
	switch {
	case t == "st" || t == "skt":
		if last && !first {
			return "strasse"
		}
		return "sankt"
	case t == "g" && p.dotted:
		return "gasse"
	case t == "pl" || strings.HasSuffix(t, "pl") && p.dotted:
		return strings.TrimSuffix(t, "pl") + "platz"
	case strings.HasSuffix(t, "str"):
		return t + "asse"
	case last && p.dotted && len(t) > 2 && strings.HasSuffix(t, "st"):
		return t + "rasse"
	case t == "doktor":
		return "dr"
	case t == "professor":
		return "prof"
	}
	return t
}

// streetPieces splits a folded street name into words at spaces, hyphens
// and punctuation and after each dot, keeping only letters and digits.
func streetPieces(s string) []streetPiece {
	var out []streetPiece
	var cur strings.Builder
	flush := func(dotted bool) {
		if cur.Len() > 0 {
			out = append(out, streetPiece{text: cur.String(), dotted: dotted})
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case r == '.':
			flush(true)
		case isApostrophe(r) || unicode.IsMark(r):
		default:
			flush(false)
		}
	}
	flush(false)
	return out
}
