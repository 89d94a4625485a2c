package number

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxTemplateLen keeps templates short enough to read in configuration
	// and keeps formatted numbers within a small database column.
	maxTemplateLen = 64
	// maxSeqWidth is the widest {seq:N} whose largest value, 10^N-1, still
	// fits in a uint64.
	maxSeqWidth = 18
)

// kind tells the pieces of a template apart.
type kind uint8

const (
	literalPiece kind = iota
	seqPiece
	checkPiece
	countryPiece
)

// segment is one piece of a parsed template. Every piece has a fixed width,
// which makes every number of a template equally long and parsing
// unambiguous.
type segment struct {
	kind  kind
	text  string // literal text, for literalPiece only
	width int
}

// Template is a parsed number template such as "{seq:8}{check}",
// "AT-{seq:6}{check}" or "{country}{seq:7}{check}". It lets each portal give
// its customer numbers their own printed shape while allocation deals only
// in plain sequence values. A Template never changes after ParseTemplate and
// is safe for concurrent use.
type Template struct {
	src         string
	alg         Algorithm
	segs        []segment
	seqWidth    int
	hasCheck    bool
	usesCountry bool
	length      int
}

// ParseTemplate parses a template so that configuration mistakes are caught
// at start-up rather than when the first number is printed. The template
// holds literal text (ASCII letters, digits, '-', '/', '.', '_' and inner
// spaces), exactly one {seq:N} with N in 1..18, at most one {check} after
// it, and at most one {country}. alg may be nil when there is no {check}.
func ParseTemplate(s string, alg Algorithm) (*Template, error) {
	t := &Template{src: s, alg: alg}
	if s == "" {
		return nil, fmt.Errorf("empty template: it needs at least {seq:N}")
	}
	if len(s) > maxTemplateLen {
		return nil, t.errorf("%d bytes long, the limit is %d", len(s), maxTemplateLen)
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return nil, t.errorf("leading or trailing space is not allowed, because numbers are trimmed before parsing")
	}
	litStart := -1
	for i := 0; i < len(s); {
		c := s[i]
		if literalByte(c) {
			if litStart < 0 {
				litStart = i
			}
			i++
			continue
		}
		if litStart >= 0 {
			t.addLiteral(s[litStart:i])
			litStart = -1
		}
		switch c {
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, t.errorf("unclosed \"{\" at position %d", i+1)
			}
			if err := t.addToken(s[i:i+end+1], i+1); err != nil {
				return nil, err
			}
			i += end + 1
		case '}':
			return nil, t.errorf("\"}\" at position %d has no matching \"{\"", i+1)
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, t.errorf("character %q at position %d is not allowed; literal text may hold letters, digits, '-', '/', '.', '_' and spaces", r, i+1)
		}
	}
	if litStart >= 0 {
		t.addLiteral(s[litStart:])
	}
	if t.seqWidth == 0 {
		return nil, t.errorf("missing {seq:N}")
	}
	return t, nil
}

// addLiteral appends fixed text that every number repeats verbatim.
func (t *Template) addLiteral(text string) {
	t.add(segment{kind: literalPiece, text: text, width: len(text)})
}

// add appends a segment and keeps the total length up to date.
func (t *Template) add(seg segment) {
	t.segs = append(t.segs, seg)
	t.length += seg.width
}

// addToken interprets one {...} token found at the 1-based position pos.
func (t *Template) addToken(tok string, pos int) error {
	switch {
	case tok == "{check}":
		if t.hasCheck {
			return t.errorf("second {check} at position %d; only one is allowed", pos)
		}
		if t.seqWidth == 0 {
			return t.errorf("{check} at position %d must come after {seq:N}", pos)
		}
		if t.alg == nil {
			return t.errorf("{check} at position %d needs a check digit algorithm", pos)
		}
		if d := t.alg.Digits(); d < 1 {
			return t.errorf("check digit algorithm %q appends %d digits", t.alg.Name(), d)
		}
		t.hasCheck = true
		t.add(segment{kind: checkPiece, width: t.alg.Digits()})
	case tok == "{country}":
		if t.usesCountry {
			return t.errorf("second {country} at position %d; only one is allowed", pos)
		}
		t.usesCountry = true
		t.add(segment{kind: countryPiece, width: 2})
	case tok == "{seq}":
		return t.errorf("{seq} at position %d needs a width such as {seq:8}", pos)
	case strings.HasPrefix(tok, "{seq:"):
		if t.seqWidth != 0 {
			return t.errorf("second {seq:N} at position %d; exactly one is required", pos)
		}
		w := tok[len("{seq:") : len(tok)-1]
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 || n > maxSeqWidth || w[0] < '1' || w[0] > '9' {
			return t.errorf("width %q in %s at position %d must be a number from 1 to %d", w, tok, pos, maxSeqWidth)
		}
		t.seqWidth = n
		t.add(segment{kind: seqPiece, width: n})
	default:
		return t.errorf("unknown token %q at position %d; known tokens are {seq:N}, {check} and {country}", tok, pos)
	}
	return nil
}

// errorf builds a template error that names the template it came from.
func (t *Template) errorf(format string, args ...any) error {
	return fmt.Errorf("template %s: %s", quote(t.src), fmt.Sprintf(format, args...))
}

// literalByte reports whether c may appear in literal template text. The set
// is small so that numbers stay easy to read aloud, type and put in URLs.
func literalByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c):
		return true
	}
	return c == '-' || c == '/' || c == '.' || c == '_' || c == ' '
}

// String returns the template's source text, so it can be logged and stored.
func (t *Template) String() string { return t.src }

// MaxSeq returns the largest sequence value that fits {seq:N}, 10^N-1, so
// that the allocator can warn before the number space runs out.
func (t *Template) MaxSeq() uint64 {
	m := uint64(1)
	for range t.seqWidth {
		m *= 10
	}
	return m - 1
}

// UsesCountry reports whether the template contains {country}, in which
// case Format needs a country code.
func (t *Template) UsesCountry() bool { return t.usesCountry }

// HasCheck reports whether the template contains {check}.
func (t *Template) HasCheck() bool { return t.hasCheck }

// MaxLen returns the length in bytes of the longest formatted number, for
// sizing database columns. Every piece has a fixed width, so every number
// of the template has exactly this length.
func (t *Template) MaxLen() int { return t.length }
