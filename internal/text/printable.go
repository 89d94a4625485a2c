package text

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Printable returns s as it may reach an admin's terminal: every control
// character (C0, DEL, C1), every character that reorders or hides text
// (the bidi controls U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C,
// and the line and paragraph separators) and every byte that is not UTF-8
// shown escaped, \n, \t, \r, \x1b, \u202e, so that a registrant's name can
// neither move the cursor, clear the screen, set the window title nor
// make one line look like two or a text run backwards. Anything else,
// umlauts, emoji and right-to-left scripts included, stays as it is.
func Printable(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// needsEscape reports whether Printable changes s.
func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r < 0x20 || r == 0x7f || hidden(r) {
			return true
		}
		i += size
	}
	return false
}

// hidden reports the C1 controls and the characters that change how the
// text around them is shown.
func hidden(r rune) bool {
	switch {
	case 0x80 <= r && r <= 0x9f: // C1, CSI (0x9b) among them
	case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
	case r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
	default:
		return false
	}
	return true
}

// HasControl reports whether s holds a character Printable would escape:
// what a value typed on the command line, such as a note, must not hold.
func HasControl(s string) bool { return needsEscape(s) }
