package match

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Name normalises a personal name for comparison, so that spellings of the
// same name from different portals become byte-equal: NFC, lower case,
// transliterated (ä→ae, ß→ss, é→e, ø→o), hyphens treated as spaces,
// punctuation dropped, whitespace collapsed and academic titles and
// salutations removed wherever they appear. "Dr. Maria-Theresia  Müller"
// becomes "maria theresia mueller". Ambiguous abbreviations that are also
// names (Di, Ma, Ba, Phil) are removed only when written with a dot or in
// capitals inside mixed-case input. The result contains only letters,
// digits and single spaces, and Name(Name(s)) == Name(s). A generation
// marker ending the name ("Gruber jun.", "Huber sen.") is dropped too;
// Generation reports it.
func Name(s string) string {
	return strings.Join(personTokens(s), " ")
}

// personTokens splits a personal name into cleaned, transliterated tokens
// without titles and without a trailing generation marker.
func personTokens(s string) []string {
	toks, _ := trimGeneration(nameTokens(s, true, false))
	return toks
}

// nameTokens splits s into cleaned, transliterated tokens, optionally
// without titles. given marks a first-name field, where a degree that is
// also a name (BA, MA) is a title however it is written when other names
// follow it: "ba gerhard" is Gerhard, BA.
func nameTokens(s string, dropTitles, given bool) []string {
	s = norm.NFC.String(toValid(s))
	mixed := hasLower(s)
	var out []string
	for _, raw := range splitRaw(s) {
		out = appendToken(out, raw, mixed, dropTitles)
	}
	for given && dropTitles && len(out) > 1 && leadingDegrees[out[0]] {
		out = out[1:]
	}
	return out
}

// appendToken appends the cleaned parts of one raw token. A dotted token is
// first tested whole ("Mag.a", "Ph.D.", "Dr.in") and otherwise split at its
// dots ("Dr.med.", "H.Müller").
func appendToken(out []string, raw string, mixed, dropTitles bool) []string {
	shouted := mixed && isShouted(raw)
	if !strings.Contains(raw, ".") {
		key := clean(raw)
		if key == "" || dropTitles && isTitle(key, false, shouted) {
			return out
		}
		return append(out, key)
	}
	if dropTitles && isTitle(clean(raw), true, shouted) {
		return out
	}
	for part := range strings.SplitSeq(raw, ".") {
		key := clean(part)
		if key == "" || dropTitles && isTitle(key, true, shouted) {
			continue
		}
		out = append(out, key)
	}
	return out
}

// splitRaw splits at whitespace, dashes and punctuation other than dots and
// apostrophes, which stay inside the token (dots mark abbreviations,
// apostrophes belong to names like O'Brien).
func splitRaw(s string) []string {
	return strings.FieldsFunc(s, isNameSeparator)
}

// isNameSeparator reports runes that end a name token.
func isNameSeparator(r rune) bool {
	switch {
	case r == '.' || isApostrophe(r):
		return false
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return false
	}
	return true
}

// isApostrophe reports the apostrophe look-alikes portals store in names
// such as O'Brien, which are dropped rather than split on.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', '`', '´', 'ʼ', 'ʻ':
		return true
	}
	return false
}

// clean transliterates a token and keeps only its letters and digits,
// recomposing what removed punctuation had kept apart.
func clean(tok string) string {
	f := fold(tok)
	var b strings.Builder
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// isShouted reports whether a token is written in capitals, as "DI" or "MA"
// are when they are titles.
func isShouted(tok string) bool {
	letters := 0
	for _, r := range tok {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters > 0
}

// hasLower reports whether s has any lower-case letter; input without one
// gives no case hint for telling the title "DI" from the name "Di".
func hasLower(s string) bool {
	for _, r := range s {
		if unicode.IsLower(r) {
			return true
		}
	}
	return false
}

// toValid drops invalid UTF-8 so that broken input never yields broken
// output.
func toValid(s string) string {
	return strings.ToValidUTF8(s, "")
}
