package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"keysync/internal/sqlutil"
	"keysync/internal/text"
	keysync "keysync/sync"
)

// records are the persons' records one transaction reads and changes.
// Loading a person locks its row, so that two transactions never change
// one record at once; persons are always locked before their accounts.
type records struct {
	s      *Store
	tx     *sql.Tx
	now    time.Time
	states map[string]*personState
	// actor is recorded as who made the history's changes.
	actor string
}

func newRecords(s *Store, tx *sql.Tx, now time.Time) *records {
	return &records{s: s, tx: tx, now: now, states: map[string]*personState{}, actor: s.Actor}
}

// person returns the state of a person, loading it when needed.
func (r *records) person(ctx context.Context, number string) (*personState, error) {
	if ps, ok := r.states[number]; ok {
		return ps, nil
	}
	if err := r.load(ctx, []string{number}); err != nil {
		return nil, err
	}
	ps, ok := r.states[number]
	if !ok {
		return nil, fmt.Errorf("person %s: %w", number, ErrNotFound)
	}
	return ps, nil
}

// created adds the state of a person this transaction inserts.
func (r *records) created(number, country string) *personState {
	ps := &personState{number: number, rec: record{}, country: country, inserted: true}
	r.states[number] = ps
	return ps
}

// load reads the persons not loaded yet, locking their rows in number
// order, and their accounts. A person from before schema version 6 has
// its record seeded from its own columns. A forgotten person has no
// record, and none is made for it again: it is left out.
func (r *records) load(ctx context.Context, numbers []string) error {
	var args []any
	for _, n := range slices.Compact(slices.Sorted(slices.Values(numbers))) {
		if _, ok := r.states[n]; !ok {
			args = append(args, n)
		}
	}
	if len(args) == 0 {
		return nil
	}
	err := sqlutil.Each(ctx, r.tx, `SELECT number, COALESCE(record, ''), first_name, last_name, email, birth_date, created_at
 FROM persons WHERE number IN (`+sqlutil.Placeholders(len(args))+`) AND forgotten_at IS NULL ORDER BY number FOR UPDATE`, args, func(rows *sql.Rows) error {
		var number, rec, first, last, email, birth string
		var created time.Time
		if err := rows.Scan(&number, &rec, &first, &last, &email, &birth, &created); err != nil {
			return err
		}
		ps := &personState{number: number}
		var err error
		if ps.rec, err = parseRecord(rec); err != nil {
			return fmt.Errorf("%s: %w", number, err)
		}
		if rec == "" {
			ps.rec = seedRecord(first, last, email, birth, created.UTC())
		}
		r.states[number] = ps
		return nil
	})
	if err != nil {
		return fmt.Errorf("read persons' records: %w", err)
	}
	return r.loadAccounts(ctx, args)
}

// seedRecord is the record of a person from before schema version 6: what
// its own columns held, from no account in particular.
func seedRecord(first, last, email, birth string, at time.Time) record {
	rec := record{}
	for f, v := range map[keysync.Field]string{keysync.FieldFirstName: first, keysync.FieldLastName: last, keysync.FieldEmail: email, keysync.FieldBirthDate: birth} {
		if v != "" {
			rec[f] = entry{Value: v, At: at}
		}
	}
	return rec
}

// accountValueColumns are the accounts' columns of the fields, in the
// order of keysync.Fields; memberships are groups_list.
var accountValueColumns = []string{"salutation", "title", "first_name", "last_name", "birth_date", "street", "zip", "city",
	"country", "email", "phone", "mobile", "company", "groups_list"}

// loadAccounts reads the accounts of the persons.
func (r *records) loadAccounts(ctx context.Context, numbers []any) error {
	q := `SELECT number, source, account_id, status, COALESCE(data_changed_at, linked_at), ` +
		strings.Join(accountValueColumns[:len(accountValueColumns)-1], ", ") + `, COALESCE(groups_list, '')
 FROM accounts WHERE number IN (` + sqlutil.Placeholders(len(numbers)) + `) ORDER BY source, account_id`
	return sqlutil.Each(ctx, r.tx, q, numbers, func(rows *sql.Rows) error {
		var number string
		a := &accountState{values: values{}}
		raw := make([]string, len(keysync.Fields))
		dest := []any{&number, &a.key.source, &a.key.id, &a.status, &a.changed}
		for i := range raw {
			dest = append(dest, &raw[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		a.changed = a.changed.UTC()
		for i, f := range keysync.Fields {
			v := raw[i]
			if f == keysync.FieldMemberships {
				v = groupsText(v)
			}
			if v != "" {
				a.values[f] = v
			}
		}
		if ps := r.states[number]; ps != nil {
			ps.accounts = append(ps.accounts, a)
		}
		return nil
	})
}

// groupsText is the memberships value of a groups_list JSON array.
func groupsText(list string) string {
	var groups []string
	if list == "" || json.Unmarshal([]byte(list), &groups) != nil {
		return ""
	}
	return text.Clip(strings.Join(groups, ", "), fieldWidths[keysync.FieldMemberships])
}

// write stores the changed records of persons this transaction did not
// insert, with the normalised columns matching reads, and the history of
// every person.
func (r *records) write(ctx context.Context) error {
	up := update{table: "persons", keys: []string{"number"}, cols: []string{"record", "record_changed_at", "updated_at",
		"first_name", "last_name", "email", "first_norm", "last_norm", "email_norm", "birth_date", "household_key"}}
	history := insert{verb: "INSERT", table: "field_changes", cols: []string{"number", "field", "old_value", "new_value",
		"source", "account_id", "changed_at", "recorded_at", "actor"}}
	for _, ps := range sortedChanges(r.states) {
		if ps.dirty && !ps.inserted {
			a, p := ps.asAccount(), keysync.NewProfile(ps.asAccount(), ps.country)
			up.add(ps.number, ps.rec.text(), r.now, r.now,
				text.Clip(a.FirstName, 255), text.Clip(a.LastName, 255), text.Clip(a.Email, 320),
				text.Clip(p.FirstName, 255), text.Clip(p.LastName, 255), text.Clip(p.Email, 320),
				text.Clip(a.BirthDate, 10), text.Clip(p.Household, 512))
		}
		for _, c := range ps.changes {
			history.add(ps.number, string(c.field), nullIf(c.old), nullIf(c.new), nullIf(c.from.source), c.from.id, c.at, r.now, text.Clip(r.actor, 128))
		}
	}
	if err := up.exec(ctx, r.tx); err != nil {
		return err
	}
	return history.exec(ctx, r.tx)
}

// changeTime is when an account's values changed: the portal's own time
// when it has one, else now.
func changeTime(a keysync.Account, now time.Time) time.Time {
	if !a.Changed.IsZero() {
		return a.Changed.UTC()
	}
	return now
}
