// Package text cuts text to a length counted in characters, the way the
// central columns count it (utf8mb4 VARCHAR(N) holds N characters, not N
// bytes) and a terminal shows it. Cutting by bytes can split a character
// in two and leave invalid UTF-8, which MariaDB refuses in strict mode.
package text

import (
	"strings"
	"unicode/utf8"
)

// Clip returns s as valid UTF-8 (each invalid byte becomes U+FFFD) cut to
// at most n characters. Portal values can be longer than the central
// columns (WordPress meta values are longtext); one overlong value must
// never fail a whole batch.
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s // no more characters than bytes
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// Abbrev is Clip for a reader: s cut to at most n characters, the last of
// them mark when something was cut, so that the cut shows.
func Abbrev(s string, n int, mark string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return Clip(s, max(n-utf8.RuneCountInString(mark), 0)) + mark
}
