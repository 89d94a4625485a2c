package match

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// special maps letters whose German transliteration is not simply the base
// letter, or which have no Unicode decomposition, so that Müller and Mueller
// (and Søren and Soren) compare equal.
var special = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss",
	'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d",
	'þ': "th", 'ħ': "h", 'ŧ': "t", 'ı': "i", 'ŀ': "l", 'ƒ': "f",
	'ŋ': "n", 'ĸ': "k", 'ſ': "s",
}

// fold lower-cases s and transliterates it to the form used for comparison:
// German umlauts become two letters, other diacritics are dropped and
// compatibility characters (ligatures, full-width letters) are unified.
// Punctuation and spaces are kept so that callers can still tokenise.
func fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	s = foldOnce(s)
	if isASCII(s) {
		return s
	}
	// A second round settles the rare characters whose decomposition or
	// lower case yields a letter with its own mapping, so fold is idempotent.
	return foldOnce(s)
}

// foldOnce performs one round of fold.
func foldOnce(s string) string {
	s = strings.ToLower(norm.NFC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if t, ok := special[r]; ok {
			b.WriteString(t)
			continue
		}
		b.WriteRune(r)
	}
	d := norm.NFKD.String(b.String())
	b.Reset()
	for _, r := range d {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc) {
			continue
		}
		if t, ok := special[unicode.ToLower(r)]; ok {
			b.WriteString(t)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return norm.NFC.String(b.String())
}

// isASCII reports whether s needs no Unicode processing.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
