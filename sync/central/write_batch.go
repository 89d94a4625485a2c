package central

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"keysync/internal/text"
	keysync "keysync/sync"
)

// batch collects everything one Assign transaction writes.
type batch struct {
	households insert
	reserved   insert
	persons    insert
	accounts   insert
	events     insert
	conflicts  []keysync.Conflict
	// accountUpdates are the new values of linked accounts.
	accountUpdates update
}

func newBatch() *batch {
	return &batch{
		households: insert{verb: "INSERT", table: "households", cols: []string{"hh_id", "match_key", "created_at"}},
		reserved:   insert{verb: "INSERT IGNORE", table: "reserved", cols: []string{"seq_name", "value"}},
		persons: insert{verb: "INSERT", table: "persons", cols: []string{
			"number", "seq", "pe_id", "hh_id", "origin", "first_name", "last_name", "email",
			"first_norm", "last_norm", "email_norm", "birth_date", "household_key", "created_at", "updated_at",
			"record", "record_changed_at"}},
		accounts: insert{verb: "INSERT", table: "accounts", cols: slices.Concat([]string{"source", "account_id", "number", "status"},
			accountDataCols, []string{"registered_at", "linked_at", "hh_id_copy", "pe_id_copy", "copied_from"})},
		events:         eventInsert(),
		accountUpdates: update{table: "accounts", keys: []string{"source", "account_id"}, cols: accountDataCols},
	}
}

func eventInsert() insert {
	return insert{verb: "INSERT", table: "events", cols: []string{"at", "actor", "kind", "number", "source", "account_id", "old_value", "new_value", "detail"}}
}

// maxDetail is the longest detail of an event or conflict, in characters:
// a detail may quote a row's value, and one row must never fail a batch by
// outgrowing its column.
const maxDetail = 2000

// addEvent adds one history event to in (an eventInsert), every value cut
// to its column; empty strings and a nil account are stored as NULL.
func addEvent(in *insert, at time.Time, actor, kind, number, source string, account any, oldValue, newValue, detail string) {
	in.add(at, text.Clip(actor, 128), text.Clip(kind, 32), nullIf(text.Clip(number, 64)), nullIf(text.Clip(source, 64)), account,
		nullIf(text.Clip(oldValue, 255)), nullIf(text.Clip(newValue, 255)), nullIf(text.Abbrev(detail, maxDetail, "…")))
}

// account adds the account row of c, linked to person. The row takes a
// copy of the person's Wibisoft ids when person has them (schema version
// 4); a person with only a number leaves the copy to Written or the next
// reconciliation. note says what of the row had to be cut to fit, for the
// detail of the caller's history event; "" when nothing was.
func (b *batch) account(c keysync.Candidate, person keysync.Person, now, changed time.Time) (note string) {
	a := c.Account
	number := person.Number
	var hhCopy, peCopy, copiedFrom any
	if person.HH != "" && person.PE != "" {
		hhCopy, peCopy, copiedFrom = text.Clip(person.HH, 64), text.Clip(person.PE, 64), text.Clip(number, 64)
	}
	var registered any
	if y := a.Registered.UTC().Year(); !a.Registered.IsZero() && y >= 1000 && y <= 9999 {
		registered = a.Registered.UTC() // DATETIME holds years 1000 to 9999
	}
	data, note := accountDataValues(c, accountValues(a), changed)
	row := append([]any{a.Source, a.ID, number, string(a.Status())}, data...)
	b.accounts.add(append(row, registered, now, hhCopy, peCopy, copiedFrom)...)
	return note
}

// accountData adds the new values of a linked account; note as for account.
func (b *batch) accountData(c keysync.Candidate, v values, changed time.Time) (note string) {
	data, note := accountDataValues(c, v, changed)
	b.accountUpdates.add(append([]any{c.Account.Source, c.Account.ID}, data...)...)
	return note
}

// Bounds of the memberships list: a title longer than a group's name
// ever is, and a list of more than a few hundred of them, come from a
// plugin gone wrong or a hostile row (a WordPress user with 1,000 roles of
// 200 characters), and would not fit the TEXT column.
const (
	maxGroupTitle = 255
	maxGroupsJSON = 16 << 10 // bytes
)

// groupsJSON stores memberships as a JSON array, so titles may contain
// commas and billing can ask MariaDB with JSON_CONTAINS. Each title is cut
// to maxGroupTitle characters and the list to whole entries within
// maxGroupsJSON bytes, so it stays valid JSON; note says what was cut.
func groupsJSON(groups []string) (list any, note string) {
	if len(groups) == 0 {
		return nil, ""
	}
	var b strings.Builder
	b.WriteByte('[')
	kept, clipped := 0, 0
	for _, g := range groups {
		t := text.Clip(g, maxGroupTitle)
		if t != g {
			clipped++
		}
		entry, _ := json.Marshal(t)
		if b.Len()+len(entry)+2 > maxGroupsJSON {
			break
		}
		if kept > 0 {
			b.WriteByte(',')
		}
		b.Write(entry)
		kept++
	}
	b.WriteByte(']')
	var cuts []string
	if kept < len(groups) {
		cuts = append(cuts, fmt.Sprintf("memberships cut: %d of %d kept", kept, len(groups)))
	}
	if clipped > 0 {
		cuts = append(cuts, fmt.Sprintf("%d membership titles cut to %d characters", clipped, maxGroupTitle))
	}
	return b.String(), strings.Join(cuts, "; ")
}

func (b *batch) event(s *Store, now time.Time, kind, number, source string, id uint64, oldValue, newValue, detail string) {
	addEvent(&b.events, now, s.Actor, kind, number, source, id, oldValue, newValue, detail)
}

// reserve records an adopted id's sequence value, when the id has the
// template's shape, so that the allocator never hands it out.
func (b *batch) reserve(a *allocator, id string) (uint64, bool) {
	v, _, err := a.tmpl.Parse(id)
	if err != nil {
		return 0, false
	}
	a.reserve(v)
	b.reserved.add(a.name, v)
	return v, true
}
