package match

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// particles are the surname prefixes that belong to the last name when a
// full name is split ("Ludwig van Beethoven", "Maria de la Cruz").
var particles = map[string]bool{
	"von": true, "vom": true, "van": true, "de": true, "der": true, "den": true,
	"zu": true, "zum": true, "zur": true, "di": true, "da": true, "del": true,
	"della": true, "dei": true, "la": true, "le": true, "ten": true, "ter": true,
	"dos": true, "das": true, "du": true, "af": true, "av": true, "y": true,
}

// SplitName splits a one-field full name into first and last name, because
// some portals store only one name field. "Last, First" is recognised by the
// comma; otherwise the last word is the surname, together with any particles
// before it ("Hans von der Heide" -> "Hans", "von der Heide") and any
// generation marker after it ("Hans Gruber jun." -> "Hans", "Gruber jun.").
// Titles are removed, the remaining words are returned as written (not
// normalised, whitespace collapsed). A single word is taken as the last
// name.
func SplitName(full string) (first, last string) {
	full = norm.NFC.String(toValid(full))
	mixed := hasLower(full)
	if before, after, ok := strings.Cut(full, ","); ok {
		given := stripTitleWords(strings.FieldsFunc(after, isCommaOrSpace), mixed)
		if len(given) > 0 {
			family := stripTitleWords(strings.Fields(before), mixed)
			return strings.Join(given, " "), strings.Join(family, " ")
		}
		full = before
	}
	words := stripTitleWords(strings.FieldsFunc(full, isCommaOrSpace), mixed)
	switch len(words) {
	case 0:
		return "", ""
	case 1:
		return "", words[0]
	}
	end := len(words) - 1
	for end > 0 && isGenerationWord(words[end]) {
		end--
	}
	if end > 1 && strings.EqualFold(words[end-1], "d.") && isGenerationWord(words[end-1]+words[end]) {
		end -= 2
	}
	if end == 0 {
		return "", strings.Join(words, " ")
	}
	cut := end
	for i := 1; i < end; i++ {
		if particles[clean(words[i])] {
			cut = i
			break
		}
	}
	return strings.Join(words[:cut], " "), strings.Join(words[cut:], " ")
}

// isGenerationWord reports a word that is only a generation marker.
func isGenerationWord(w string) bool {
	toks := nameTokens(w, true, false)
	rest, gen := trimGeneration(append([]string{"x"}, toks...))
	return gen != "" && len(rest) == 1
}

// isCommaOrSpace separates the words of a full name.
func isCommaOrSpace(r rune) bool {
	return r == ',' || unicode.IsSpace(r)
}

// stripTitleWords drops words made only of titles ("Mag.", "Dipl.-Ing.",
// "(FH)", "MBA").
func stripTitleWords(words []string, mixed bool) []string {
	var out []string
	for _, w := range words {
		if isTitleWord(w, mixed) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// isTitleWord reports whether every name part of w is a title; a word with
// no letters or digits at all counts as one too, so stray punctuation
// disappears.
func isTitleWord(w string, mixed bool) bool {
	for _, raw := range splitRaw(w) {
		if len(appendToken(nil, raw, mixed, true)) > 0 {
			return false
		}
	}
	return true
}
