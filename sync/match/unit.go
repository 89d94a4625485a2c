package match

import (
	"strings"
	"unicode"
)

// streetLine is a street line split into street name, house number and
// Austrian unit (block, Stiege, Top).
type streetLine struct {
	street, house, block, stair, door string
}

type lineTokenKind int

const (
	tokWord lineTokenKind = iota
	tokNum
	tokSlash
	tokHyphen
)

// lineToken is a word, number ("10", "15a"), slash or hyphen of a folded
// street line; start is its byte offset and dot records a directly
// following '.'.
type lineToken struct {
	kind  lineTokenKind
	text  string
	start int
	dot   bool
}

type unitField int

const (
	unitNone unitField = iota
	unitBlock
	unitStair
	unitDoor
	unitFloor
)

// unitWords maps the words that introduce a unit detail to that detail.
// Floors and sides are recognised only to be skipped.
var unitWords = map[string]unitField{
	"block": unitBlock, "bl": unitBlock, "bauteil": unitBlock, "bt": unitBlock,
	"haus": unitBlock, "pav": unitBlock, "pavillon": unitBlock, "objekt": unitBlock, "obj": unitBlock, "trakt": unitBlock,
	"stiege": unitStair, "stiegen": unitStair, "stieg": unitStair, "stg": unitStair,
	"stge": unitStair, "st": unitStair, "aufgang": unitStair, "eingang": unitStair,
	"top": unitDoor, "tuer": unitDoor, "tur": unitDoor, "tuere": unitDoor,
	"whg": unitDoor, "wohnung": unitDoor, "wohn": unitDoor, "apt": unitDoor,
	"app": unitDoor, "appartement": unitDoor, "apartment": unitDoor,
	"stock": unitFloor, "stockwerk": unitFloor, "etage": unitFloor, "og": unitFloor,
	"eg": unitFloor, "dg": unitFloor, "ug": unitFloor, "obergeschoss": unitFloor,
	"erdgeschoss": unitFloor, "dachgeschoss": unitFloor, "hochparterre": unitFloor,
	"parterre": unitFloor, "hp": unitFloor, "souterrain": unitFloor,
	"links": unitFloor, "rechts": unitFloor, "mitte": unitFloor, "li": unitFloor,
	"re": unitFloor, "vorne": unitFloor, "hinten": unitFloor,
}

// parseStreetLine splits a raw street line. The house number is the first
// number that is not an ordinal inside the name ("Straße des 17. Juni 5");
// slash-separated numbers after it are read from the right as Top, Stiege
// and block ("10/A/4/15"), and keyword forms ("Stg. 4 Top 15", "4. Stiege")
// set the same fields.
func parseStreetLine(raw string) streetLine {
	s := fold(raw)
	toks := lexLine(s)
	h := houseIndex(toks)
	if h < 0 {
		return streetLine{street: normaliseStreet(s)}
	}
	var l streetLine
	l.street = normaliseStreet(s[:toks[h].start])
	l.house = trimZeros(toks[h].text)
	k := h + 1
	if k+1 < len(toks) && toks[k].kind == tokHyphen && toks[k+1].kind == tokNum {
		l.house += "-" + trimZeros(toks[k+1].text)
		k += 2
	}
	if k < len(toks) && toks[k].kind == tokWord && len(toks[k].text) == 1 && isASCIIDigit(rune(l.house[len(l.house)-1])) {
		l.house += toks[k].text
		k++
	}
	var parts, rest []string
	for k < len(toks) {
		t := toks[k]
		switch {
		case isFloorAt(toks, k):
			k += 2
		case isOrdinalUnitAt(toks, k):
			l.set(unitWords[toks[k+1].text], trimZeros(t.text))
			k += 2
		case t.kind == tokWord && unitWords[t.text] != unitNone:
			v, next := unitValue(toks, k+1)
			l.set(unitWords[t.text], v)
			k = next
		case t.kind == tokSlash:
			if k+1 < len(toks) && isValue(toks[k+1]) && !isFloorAt(toks, k+1) && !isOrdinalUnitAt(toks, k+1) {
				parts = append(parts, trimZeros(toks[k+1].text))
				k++
			}
			k++
		default:
			// Bare words and numbers without a slash or keyword (a city
			// repeated in the street field, "Hinterhaus") carry no unit.
			if t.kind == tokWord {
				rest = append(rest, t.text)
			}
			k++
		}
	}
	l.fillFromRight(parts)
	if l.street == "" && len(rest) > 0 {
		l.street = normaliseStreet(strings.Join(rest, " "))
	}
	return l
}

// houseIndex returns the index of the house number token, or -1.
func houseIndex(toks []lineToken) int {
	first := -1
	for i, t := range toks {
		if t.kind != tokNum {
			continue
		}
		if first < 0 {
			first = i
		}
		if !isOrdinalAt(toks, i) {
			return i
		}
	}
	return first
}

// isOrdinalAt reports a number written as an ordinal inside a street name:
// followed by a dot and a word that is not a unit keyword.
func isOrdinalAt(toks []lineToken, i int) bool {
	if !toks[i].dot || i+1 >= len(toks) || toks[i+1].kind != tokWord {
		return false
	}
	return unitWords[toks[i+1].text] == unitNone
}

// isOrdinalUnitAt reports a unit written as ordinal plus keyword
// ("4. Stiege").
func isOrdinalUnitAt(toks []lineToken, i int) bool {
	if toks[i].kind != tokNum || !toks[i].dot || i+1 >= len(toks) || toks[i+1].kind != tokWord {
		return false
	}
	f := unitWords[toks[i+1].text]
	return f != unitNone && f != unitFloor
}

// isFloorAt reports a floor written as number plus floor word ("2. Stock").
func isFloorAt(toks []lineToken, i int) bool {
	return toks[i].kind == tokNum && i+1 < len(toks) && toks[i+1].kind == tokWord &&
		unitWords[toks[i+1].text] == unitFloor
}

// unitValue reads the value after a unit keyword, skipping "Nr." and
// hyphens; it returns the value and the index after it.
func unitValue(toks []lineToken, k int) (string, int) {
	for k < len(toks) && (toks[k].kind == tokHyphen || toks[k].kind == tokWord && houseNumberWords[toks[k].text]) {
		k++
	}
	if k < len(toks) && isValue(toks[k]) {
		return trimZeros(toks[k].text), k + 1
	}
	return "", k
}

// isValue reports whether a token can be a unit value: a number or a short
// letter code such as the block "A".
func isValue(t lineToken) bool {
	switch t.kind {
	case tokNum:
		return true
	case tokWord:
		return len([]rune(t.text)) <= 2 && unitWords[t.text] == unitNone && !houseNumberWords[t.text]
	}
	return false
}

// set stores a unit value read after a keyword; empty values keep the
// field unset.
func (l *streetLine) set(f unitField, v string) {
	if v == "" {
		return
	}
	switch f {
	case unitBlock:
		l.block = v
	case unitStair:
		l.stair = v
	case unitDoor:
		l.door = v
	}
}

// fillFromRight assigns slash-separated unit values from the right: the last
// is the Top, the one before the Stiege, the one before that the block.
// Fields already set by keywords are skipped; surplus values are dropped.
func (l *streetLine) fillFromRight(parts []string) {
	fields := []*string{&l.door, &l.stair, &l.block}
	f := 0
	for i := len(parts) - 1; i >= 0; i-- {
		for f < len(fields) && *fields[f] != "" {
			f++
		}
		if f == len(fields) {
			return
		}
		*fields[f] = parts[i]
		f++
	}
}

// trimZeros removes leading zeros from a number ("07" -> "7", "007a" -> "7a")
// but keeps a lone "0", so "Top 07" and "Top 7" agree.
func trimZeros(s string) string {
	i := 0
	for i < len(s) && isASCIIDigit(rune(s[i])) {
		i++
	}
	d := strings.TrimLeft(s[:i], "0")
	if d == "" && i > 0 {
		d = "0"
	}
	return d + s[i:]
}

// lexLine splits a folded street line into tokens. A number takes a single
// directly following letter as suffix ("10a") but not a word ("2og").
func lexLine(s string) []lineToken {
	var toks []lineToken
	rs := []rune(s)
	offs := make([]int, len(rs)+1)
	o := 0
	for i, r := range rs {
		offs[i] = o
		o += len(string(r))
	}
	offs[len(rs)] = o
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isASCIIDigit(r):
			j := i
			for j < len(rs) && isASCIIDigit(rs[j]) {
				j++
			}
			if j < len(rs) && unicode.IsLetter(rs[j]) && (j+1 == len(rs) || !unicode.IsLetter(rs[j+1])) {
				j++
			}
			toks = append(toks, lineToken{kind: tokNum, text: string(rs[i:j]), start: offs[i], dot: j < len(rs) && rs[j] == '.'})
			i = j
		case unicode.IsLetter(r):
			j := i
			for j < len(rs) && unicode.IsLetter(rs[j]) {
				j++
			}
			toks = append(toks, lineToken{kind: tokWord, text: string(rs[i:j]), start: offs[i], dot: j < len(rs) && rs[j] == '.'})
			i = j
		case r == '/':
			toks = append(toks, lineToken{kind: tokSlash, text: "/", start: offs[i]})
			i++
		case r == '-' || r == '–' || r == '‐':
			toks = append(toks, lineToken{kind: tokHyphen, text: "-", start: offs[i]})
			i++
		default:
			i++
		}
	}
	return toks
}
