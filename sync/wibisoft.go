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

// WibisoftSource is the source name under which the rows of a Wibisoft
// import are accounts: each row, one PE-ID, is an account of its own, so
// the central record keeps the values the import brought like a portal's,
// and a person holding such an account is one Wibisoft knows. No portal
// may carry the name (the configuration refuses it).
const WibisoftSource = "wibisoft"

// decideImport decides a row of a Wibisoft import by the rules of a portal
// row, with Wibisoft's ids on top, since they are the row's identity. A
// row not linked yet is looked for by its customer number (rule 2), then
// by its PE-ID, then by the identity rules (3 to 6):
//   - a PE-ID that a person holds already names that person when the
//     names agree (and the row's customer number, if it has one, is
//     theirs); otherwise it is an id keysync gave to someone else, a
//     conflict pe_taken, and nothing is imported for the row;
//   - a new person whose HH-ID is a household keysync opened for others
//     is a conflict hh_taken (intoHousehold);
//   - a person found whose ids differ from the row's is a conflict
//     wibisoft_mismatch, and nothing is linked (the decision keeps By, so
//     the preview can say how the person was found); a row linked before
//     whose ids changed in Wibisoft keeps its link and raises the same
//     conflict. The person's ids are never overwritten.
func decideImport(a Account, p Profile, f Facts, r Rules) Decision {
	if _, linked := f.Linked(a.Source, a.ID); linked || a.PE == "" {
		return withImportIDs(a, decide(a, p, f, r))
	}
	owner, owned := f.PEOwner(a.PE)
	if a.Number != "" {
		d := decide(a, p, f, r)
		if d.Action == ActionAdopt && owned {
			return importByPE(a, p, owner)
		}
		return intoHousehold(a, p, f, withImportIDs(a, d))
	}
	if owned {
		return importByPE(a, p, owner)
	}
	return intoHousehold(a, p, f, withImportIDs(a, decide(a, p, f, r)))
}

// intoHousehold keeps a new person of an import out of a household that
// keysync opened for others: a household id Wibisoft gave that keysync
// had given already. Joining it is right only for the same address and
// surname (the household key), or once an import brought the household
// (a person of it is known to Wibisoft).
func intoHousehold(a Account, p Profile, f Facts, d Decision) Decision {
	if d.Action != ActionNew && d.Action != ActionAdopt {
		return d
	}
	if known, imported := f.HouseholdOrigin(a.HH); !known || imported {
		return d
	}
	if hh, ok := f.Household(p.Household); ok && hh == a.HH {
		return d
	}
	return Decision{Action: ActionConflict, Profile: p, Conflicts: []Conflict{{Kind: ConflictHHTaken, Source: a.Source, AccountID: a.ID, Value: a.HH,
		Detail: "the file gives " + a.FirstName + " " + a.LastName + " the household id " + a.HH +
			", which keysync gave to another household (another address or surname); nothing is imported for the row"}}}
}

// withImportIDs turns a decision that found a person whose Wibisoft ids
// are not the row's into a conflict; a linked row keeps its link.
func withImportIDs(a Account, d Decision) Decision {
	if d.Action != ActionKeep && d.Action != ActionLink {
		return d
	}
	if c, differ := idsDiffer(a, d.Person); differ {
		d.Conflicts = append(d.Conflicts, c)
		if d.Action == ActionLink {
			d.Action, d.Person, d.Rewrite, d.Reason = ActionConflict, Person{}, false, ""
		}
	}
	return d
}

// importByPE decides an import row whose PE-ID a person holds already.
func importByPE(a Account, p Profile, owner Person) Decision {
	d := Decision{Profile: p}
	if !samePersonByName(p, owner.Profile) || a.Number != "" && a.Number != owner.Number {
		d.Action = ActionConflict
		d.Conflicts = append(d.Conflicts, Conflict{Kind: ConflictPETaken, Source: a.Source, AccountID: a.ID, Value: a.PE, Number: owner.Number,
			Detail: "the file gives this Wibisoft person id to " + a.FirstName + " " + a.LastName +
				", but keysync holds it for " + owner.Number + ", whose names or customer number differ; nothing is imported for the row"})
		return d
	}
	d.Action, d.Person, d.By = ActionLink, owner, MatchPE
	return withImportIDs(a, d)
}

// idsDiffer returns the conflict of an import row whose Wibisoft ids are
// not those of the person it names.
func idsDiffer(a Account, p Person) (Conflict, bool) {
	if a.HH == p.HH && a.PE == p.PE {
		return Conflict{}, false
	}
	return Conflict{Kind: ConflictWibisoftMismatch, Source: a.Source, AccountID: a.ID, Value: "HH-ID " + a.HH + ", PE-ID " + a.PE, Number: p.Number,
		Detail: fmt.Sprintf("the file gives HH-ID %s and PE-ID %s, the person %s holds HH-ID %s and PE-ID %s; nothing is overwritten", a.HH, a.PE, p.Number, p.HH, p.PE)}, true
}
