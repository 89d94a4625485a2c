package match

import "strings"

// Phonetic returns the Kölner Phonetik (Cologne phonetics) code of s, used to
// find candidate duplicates whose names sound alike in German (Meier, Maier,
// Meyer and Mayr are all "67"). Letters are transliterated first (Ä, Ö, Ü
// count as vowels, ß as S, other diacritics are dropped); everything that is
// not a letter A-Z is ignored, so words separated by spaces or hyphens are
// coded as one string ("Müller-Lüdenscheidt" -> "65752682"). The result
// contains only the digits 0-8 and is "" when s has no letters. It is meant
// for finding candidates, never for deciding that two people are the same.
func Phonetic(s string) string {
	letters := phoneticLetters(s)
	var codes []byte
	for i, c := range letters {
		var prev, next byte
		if i > 0 {
			prev = letters[i-1]
		}
		if i+1 < len(letters) {
			next = letters[i+1]
		}
		codes = append(codes, phoneticCode(c, prev, next, i == 0)...)
	}
	out := make([]byte, 0, len(codes))
	for i, c := range codes {
		if i > 0 && c == codes[i-1] {
			continue
		}
		if c == '0' && len(out) > 0 {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// phoneticLetters reduces s to the upper-case letters A-Z the algorithm
// codes. Transliteration turns ä into "ae" and ß into "ss", which code
// exactly like the vowel A and the single S they stand for.
func phoneticLetters(s string) []byte {
	var out []byte
	for _, r := range fold(s) {
		if r >= 'a' && r <= 'z' {
			out = append(out, byte(r-'a'+'A'))
		}
	}
	return out
}

// phoneticCode codes one letter given its neighbours (0 when absent); H
// yields no code and X yields two.
func phoneticCode(c, prev, next byte, initial bool) string {
	switch c {
	case 'A', 'E', 'I', 'J', 'O', 'U', 'Y':
		return "0"
	case 'H':
		return ""
	case 'B':
		return "1"
	case 'P':
		if next == 'H' {
			return "3"
		}
		return "1"
	case 'D', 'T':
		if next == 'C' || next == 'S' || next == 'Z' {
			return "8"
		}
		return "2"
	case 'F', 'V', 'W':
		return "3"
	case 'G', 'K', 'Q':
		return "4"
	case 'C':
		if initial {
			if strings.IndexByte("AHKLOQRUX", next) >= 0 {
				return "4"
			}
			return "8"
		}
		if prev == 'S' || prev == 'Z' {
			return "8"
		}
		if strings.IndexByte("AHKOQUX", next) >= 0 {
			return "4"
		}
		return "8"
	case 'X':
		if prev == 'C' || prev == 'K' || prev == 'Q' {
			return "8"
		}
		return "48"
	case 'L':
		return "5"
	case 'M', 'N':
		return "6"
	case 'R':
		return "7"
	case 'S', 'Z':
		return "8"
	}
	return ""
}
