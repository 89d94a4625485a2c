package vcard

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// encoder writes vCard 3.0 content lines (RFC 2426): values escaped,
// lines folded at 75 octets without splitting a character, CRLF line
// ends. It is ours rather than a library's because the Go vCard library
// leaves ';' in structured values and carriage returns unescaped, joins
// categories into one, never folds and has no release to pin.
type encoder struct{ b bytes.Buffer }

// line writes one content line: name (with parameters) and a value
// already escaped.
func (e *encoder) line(name, value string) {
	l := name + ":" + value
	width := 75
	for len(l) > width {
		cut := width
		for !utf8.RuneStart(l[cut]) {
			cut--
		}
		e.b.WriteString(l[:cut])
		e.b.WriteString("\r\n ")
		l = l[cut:]
		width = 74 // a continuation line starts with the space
	}
	e.b.WriteString(l)
	e.b.WriteString("\r\n")
}

// text writes a text property, left out when empty.
func (e *encoder) text(name, value string) {
	if value != "" {
		e.line(name, escape(value))
	}
}

// structured writes a property of ';'-separated components (N, ADR),
// left out when every component is empty.
func (e *encoder) structured(name string, components ...string) {
	if strings.Join(components, "") == "" {
		return
	}
	esc := make([]string, len(components))
	for i, c := range components {
		esc[i] = escape(c)
	}
	e.line(name, strings.Join(esc, ";"))
}

// list writes a property of ','-separated values (CATEGORIES).
func (e *encoder) list(name string, values []string) {
	var esc []string
	for _, v := range values {
		if v != "" {
			esc = append(esc, escape(v))
		}
	}
	if len(esc) > 0 {
		e.line(name, strings.Join(esc, ","))
	}
}

// escaper escapes text values: backslash, comma and semicolon get a
// backslash, every kind of line break becomes \n.
var escaper = strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\r\n", `\n`, "\r", `\n`, "\n", `\n`)

func escape(s string) string { return escaper.Replace(s) }
