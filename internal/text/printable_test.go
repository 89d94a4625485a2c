package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", ""},
		{"Anna Müller-Łukasiewicz", "Anna Müller-Łukasiewicz"},
		{"日本語 😀 עברית عربي", "日本語 😀 עברית عربي"},
		{"\x1b[2J\x1b]0;pwned\x07Anna", `\x1b[2J\x1b]0;pwned\x07Anna`},
		{"Anna\nconflict 1 resolved by root", `Anna\nconflict 1 resolved by root`},
		{"a\tb\rc\x00d\x7fe", `a\tb\rc\x00d\x7fe`},
		{"\u009b31mred", `\u009b31mred`},
		{"\xc2\x9b31m", `\u009b31m`},
		{"\x9b31m", `\x9b31m`},
		{"gpj.\u202eexe", `gpj.\u202eexe`},
		{"\u2066x\u2069\u200e\u200f\u061c\u2028\u2029", `\u2066x\u2069\u200e\u200f\u061c\u2028\u2029`},
		{`C:\temp`, `C:\temp`},
	}
	for _, tc := range cases {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q)=%q, want %q", tc.in, got, tc.want)
		}
		if HasControl(tc.in) != (tc.in != tc.want) {
			t.Errorf("HasControl(%q)=%v", tc.in, HasControl(tc.in))
		}
	}
}

// FuzzPrintable: whatever a portal row holds, the result is valid UTF-8
// without a control or bidi character, and keeps every other character.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"Anna", "\x1b]0;x\x07", "a\u202eb", "\xff\xfe", "Müller\r\n", "\u009b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Printable(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Printable(%q)=%q is not UTF-8", s, got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || hidden(r) {
				t.Fatalf("Printable(%q)=%q holds %U", s, got, r)
			}
		}
		if HasControl(got) {
			t.Fatalf("Printable(%q)=%q still needs escaping", s, got)
		}
		if !HasControl(s) && got != s {
			t.Fatalf("Printable(%q)=%q changed a clean string", s, got)
		}
		// Every printable character of the input is kept, in order.
		kept := strings.Map(func(r rune) rune {
			if r == utf8.RuneError || unicode.IsControl(r) || hidden(r) {
				return -1
			}
			return r
		}, s)
		rest := got
		for _, r := range kept {
			i := strings.IndexRune(rest, r)
			if i < 0 {
				t.Fatalf("Printable(%q)=%q lost %q", s, got, r)
			}
			rest = rest[i+utf8.RuneLen(r):]
		}
	})
}
