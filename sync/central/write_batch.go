package central

import (
	"encoding/json"
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
}

func newBatch() *batch {
	return &batch{
		households: insert{verb: "INSERT", table: "households", cols: []string{"hh_id", "match_key", "created_at"}},
		reserved:   insert{verb: "INSERT IGNORE", table: "reserved", cols: []string{"seq_name", "value"}},
		persons: insert{verb: "INSERT", table: "persons", cols: []string{
			"number", "seq", "pe_id", "hh_id", "origin", "first_name", "last_name", "email",
			"first_norm", "last_norm", "email_norm", "birth_date", "household_key", "created_at", "updated_at"}},
		accounts: insert{verb: "INSERT", table: "accounts", cols: []string{
			"source", "account_id", "number", "status", "username", "email", "first_name", "last_name",
			"email_norm", "first_norm", "last_norm", "birth_date", "street", "zip", "city", "country",
			"postcode", "city_norm", "address_key", "key_name", "key_place", "key_birth", "key_first_place",
			"groups_list", "registered_at", "linked_at", "hh_id_copy", "pe_id_copy", "copied_from"}},
		events: eventInsert(),
	}
}

func eventInsert() insert {
	return insert{verb: "INSERT", table: "events", cols: []string{"at", "actor", "kind", "number", "source", "account_id", "old_value", "new_value", "detail"}}
}

// account adds the account row of c, linked to person. The row takes a
// copy of the person's Wibisoft ids when person has them (schema version
// 4); a person with only a number leaves the copy to Written or the next
// reconciliation.
func (b *batch) account(c keysync.Candidate, person keysync.Person, now time.Time) {
	a, p := c.Account, c.Profile
	number := person.Number
	var hhCopy, peCopy, copiedFrom any
	if person.HH != "" && person.PE != "" {
		hhCopy, peCopy, copiedFrom = text.Clip(person.HH, 64), text.Clip(person.PE, 64), text.Clip(number, 64)
	}
	var registered any
	if !a.Registered.IsZero() {
		registered = a.Registered.UTC()
	}
	b.accounts.add(a.Source, a.ID, number, string(a.Status()), text.Clip(a.Username, 255), text.Clip(a.Email, 320),
		text.Clip(a.FirstName, 255), text.Clip(a.LastName, 255), text.Clip(p.Email, 320), text.Clip(p.FirstName, 255), text.Clip(p.LastName, 255),
		text.Clip(a.BirthDate, 10), text.Clip(a.Street, 255), text.Clip(a.Zip, 32), text.Clip(a.City, 255), text.Clip(a.Country, 64),
		text.Clip(p.Postcode, 16), text.Clip(p.City, 255), text.Clip(p.Address, 512),
		nullIf(text.Clip(p.Blocks.Name, 64)), nullIf(text.Clip(p.Blocks.Place, 64)), nullIf(text.Clip(p.Blocks.Birth, 64)), nullIf(text.Clip(p.Blocks.FirstPlace, 64)),
		groupsJSON(a.Groups), registered, now, hhCopy, peCopy, copiedFrom)
}

// groupsJSON stores memberships as a JSON array, so titles may contain
// commas and billing can ask MariaDB with JSON_CONTAINS.
func groupsJSON(groups []string) any {
	if len(groups) == 0 {
		return nil
	}
	b, _ := json.Marshal(groups)
	return string(b)
}

func (b *batch) event(s *Store, now time.Time, kind, number, source string, id uint64, oldValue, newValue, detail string) {
	b.events.add(now, s.Actor, kind, nullIf(number), nullIf(source), id, nullIf(text.Clip(oldValue, 255)), nullIf(text.Clip(newValue, 255)), nullIf(detail))
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
