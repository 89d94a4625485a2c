package keysync

import (
	"fmt"
	"unicode/utf8"

	"keysync/sync/number"
)

// ColumnWidth is the width keysync gives a portal column of its own (the
// TYPO3 tx_keysync_* columns): 32 characters, or more when a template can
// produce longer values. It is also the longest Wibisoft id a row may
// carry to be adopted: an id that does not fit every portal's column would
// fail the write-back of every portal of the person.
func ColumnWidth(maxLen int) int { return max(32, maxLen) }

// maxCentralID is the width of the central id columns (VARCHAR(64)).
const maxCentralID = 64

// WibisoftIDLen is the longest Wibisoft id of the template's kind a row may
// carry to be adopted: the width of keysync's portal column, at most the
// central column's.
func WibisoftIDLen(t *number.Template) int {
	n := 0
	if t != nil {
		n = t.MaxLen()
	}
	return min(ColumnWidth(n), maxCentralID)
}

// CheckWibisoftID returns why id, found in a portal row, cannot be adopted
// as a Wibisoft household or person id, or nil. The rule is looser than the
// id templates on purpose: the templates describe the ids keysync hands
// out, while Wibisoft numbered households and persons itself for years,
// and those ids (which the Wibisoft import adopts too) may have another
// width or a prefix. An id is up to maxLen characters of ASCII letters,
// digits, '-', '/', '.', '_' and single inner spaces: the characters of a
// template's literal text. Anything else (an escape sequence, a sentence
// typed into the field, 70 characters of a pasted list) is no id.
func CheckWibisoftID(id string, maxLen int) error {
	if n := utf8.RuneCountInString(id); n > maxLen {
		return fmt.Errorf("%d characters, more than an id has (at most %d)", n, maxLen)
	}
	for i, r := range id {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '-', r == '/', r == '.', r == '_':
		case r == ' ' && i > 0 && i < len(id)-1 && id[i-1] != ' ':
		default:
			return fmt.Errorf("holds %q, which no id holds (ids are letters, digits, - / . _ and inner spaces)", r)
		}
	}
	return nil
}

// invalidWibisoftIDs returns a conflict for each Wibisoft id of the row
// that CheckWibisoftID refuses.
func invalidWibisoftIDs(a Account, r Rules) []Conflict {
	var out []Conflict
	for _, id := range []struct {
		what, value string
		maxLen      int
	}{
		{"household", a.HH, r.HHLen}, {"person", a.PE, r.PELen},
	} {
		if id.value == "" {
			continue
		}
		if id.maxLen <= 0 {
			id.maxLen = maxCentralID
		}
		if err := CheckWibisoftID(id.value, id.maxLen); err != nil {
			out = append(out, Conflict{Kind: ConflictInvalidWibisoftID, Source: a.Source, AccountID: a.ID, Value: id.value,
				Detail: fmt.Sprintf("the row's Wibisoft %s id is no id: %v; nothing is adopted until it is corrected", id.what, err)})
		}
	}
	return out
}
