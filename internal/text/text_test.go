package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"Huber", 5, "Huber"},
		{"Huber", 3, "Hub"},
		{"Huber", 0, ""},
		// n counts characters: ü and ß are two bytes each, never split.
		{"Müßig", 3, "Müß"},
		{"Müßig", 5, "Müßig"},
		{"Kovačević", 6, "Kovače"},
		{"日本語", 2, "日本"},
		// Invalid bytes become U+FFFD, which counts as one character.
		{"ab\xffcd", 3, "ab\uFFFD"},
		{"ab\xff", 5, "ab\uFFFD"},
	}
	for _, tc := range cases {
		if got := Clip(tc.s, tc.n); got != tc.want {
			t.Errorf("Clip(%q, %d)=%q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestClip_NeverSplitsACharacter cuts a text of two-byte characters at
// every length: the result is always valid UTF-8 of that many characters.
func TestClip_NeverSplitsACharacter(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("äöü", 10)
	for n := range 40 {
		got := Clip(s, n)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) != min(n, 30) {
			t.Errorf("Clip(.., %d)=%q: %d characters, valid %v", n, got, utf8.RuneCountInString(got), utf8.ValidString(got))
		}
	}
}

func TestAbbrev(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s, mark string
		n       int
		want    string
	}{
		{"kurz", "…", 10, "kurz"},
		{"genau zehn", "…", 10, "genau zehn"},
		{"elf Zeichen", "…", 10, "elf Zeich…"},
		{"Grüße aus Wien", "...", 8, "Grüße..."},
		{"äöüäöü", "...", 5, "äö..."},
	}
	for _, tc := range cases {
		if got := Abbrev(tc.s, tc.n, tc.mark); got != tc.want {
			t.Errorf("Abbrev(%q, %d, %q)=%q, want %q", tc.s, tc.n, tc.mark, got, tc.want)
		}
	}
}
