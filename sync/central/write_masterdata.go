package central

import (
	"context"
	"time"

	"keysync/internal/text"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// The master-data steps of Assign (see record.go): every account a batch
// decides keeps its values current, and so does its person's record.

// storedAccount is what a batch knows of a linked account before it reads
// the account's values: its status and the hash of its values, hashed
// false until its first read since schema version 6.
type storedAccount struct {
	status keysync.AccountStatus
	hash   uint64
	hashed bool
}

// changed reports whether the account's row shows other values or another
// status than the central store recorded.
func (st storedAccount) changed(a keysync.Account) bool {
	return !st.hashed || st.status != a.Status() || st.hash != dataHash(accountValues(a), a.Status())
}

// prefetchRecords loads, in one go, the records of the persons whose linked
// accounts in the batch changed, locking their rows.
func (as *assignment) prefetchRecords(ctx context.Context, cands []keysync.Candidate) error {
	var numbers []string
	for _, c := range cands {
		if p, ok := as.f.Linked(c.Account.Source, c.Account.ID); ok && as.f.stored[c.Account.ID].changed(c.Account) {
			numbers = append(numbers, p.Number)
		}
	}
	return as.rec.load(ctx, numbers)
}

// refresh brings a linked account up to date: its values and status, and
// what they change in its person's record. changed says it had any.
func (as *assignment) refresh(ctx context.Context, c keysync.Candidate, p keysync.Person) (changed bool, err error) {
	a := c.Account
	st := as.f.stored[a.ID]
	if !st.changed(a) {
		return false, nil
	}
	ps, err := as.rec.person(ctx, p.Number)
	if err != nil {
		return false, err
	}
	k := accountKey{a.Source, a.ID}
	vals := accountValues(a)
	ps.country = c.Profile.Country
	ps.apply(k, vals, a.Status(), changeTime(a, as.now), !st.hashed, st.hashed)
	as.b.accountData(c, vals, ps.account(k).changed)
	if st.status != a.Status() {
		as.moves = append(as.moves, reconcile.StatusChange{AccountID: a.ID, Number: p.Number, From: st.status, To: a.Status()})
	}
	return true, nil
}

// linkRecord adds a newly linked account's values to its person's record;
// what they change is history.
func (as *assignment) linkRecord(ctx context.Context, c keysync.Candidate, number string) (time.Time, error) {
	ps, err := as.rec.person(ctx, number)
	if err != nil {
		return time.Time{}, err
	}
	a := c.Account
	t := changeTime(a, as.now)
	ps.apply(accountKey{a.Source, a.ID}, accountValues(a), a.Status(), t, true, true)
	return t, nil
}

// createRecord starts the record of a person this batch creates, from its
// first account; its first values are no history.
func (as *assignment) createRecord(c keysync.Candidate, number string) time.Time {
	a := c.Account
	t := changeTime(a, as.now)
	as.rec.created(number, c.Profile.Country).apply(accountKey{a.Source, a.ID}, accountValues(a), a.Status(), t, true, false)
	return t
}

// writeMasterData stores what the batch changed in accounts' values and
// statuses and in persons' records, after the accounts were inserted; the
// new persons' rows take their records as they are inserted.
func (as *assignment) writeMasterData(ctx context.Context, sums *accountSums) error {
	// Through the sums, which keep the name counts.
	ids := make([]uint64, len(as.b.accountUpdates.rows))
	for i, r := range as.b.accountUpdates.rows {
		ids[i] = r[1].(uint64)
	}
	if err := sums.rewrite(ctx, as.source, ids, func() error { return as.b.accountUpdates.exec(ctx, as.tx) }); err != nil {
		return err
	}
	if err := moveStatuses(ctx, as.tx, sums, &as.b.events, as.s.Actor, as.now, as.source, as.moves); err != nil {
		return err
	}
	return as.rec.write(ctx)
}

// fillRecords puts each new person's record into its row before the
// persons are inserted.
func (as *assignment) fillRecords() {
	for _, row := range as.b.persons.rows {
		if ps := as.rec.states[row[0].(string)]; ps != nil {
			row[len(row)-2], row[len(row)-1] = ps.rec.text(), as.now
		}
	}
}

// accountDataCols are the accounts' columns of an account's values and
// identity, which every read of a linked account may change.
var accountDataCols = []string{"username", "email", "first_name", "last_name",
	"email_norm", "first_norm", "last_norm", "birth_date", "street", "zip", "city", "country",
	"postcode", "city_norm", "address_key", "key_name", "key_place", "key_birth", "key_first_place",
	"groups_list", "salutation", "title", "phone", "mobile", "company", "data_hash", "data_changed_at"}

// accountDataValues are the values of accountDataCols for a candidate;
// note says what of the memberships had to be cut (see groupsJSON).
func accountDataValues(c keysync.Candidate, v values, changed time.Time) (data []any, note string) {
	a, p := c.Account, c.Profile
	groups, note := groupsJSON(a.Groups)
	return []any{text.Clip(a.Username, 255), v[keysync.FieldEmail],
		v[keysync.FieldFirstName], v[keysync.FieldLastName], text.Clip(p.Email, 320), text.Clip(p.FirstName, 255), text.Clip(p.LastName, 255),
		v[keysync.FieldBirthDate], v[keysync.FieldStreet], v[keysync.FieldZip], v[keysync.FieldCity], v[keysync.FieldCountry],
		text.Clip(p.Postcode, 16), text.Clip(p.City, 255), text.Clip(p.Address, 512),
		nullIf(text.Clip(p.Blocks.Name, 64)), nullIf(text.Clip(p.Blocks.Place, 64)), nullIf(text.Clip(p.Blocks.Birth, 64)), nullIf(text.Clip(p.Blocks.FirstPlace, 64)),
		groups, v[keysync.FieldSalutation], v[keysync.FieldTitle], v[keysync.FieldPhone], v[keysync.FieldMobile], v[keysync.FieldCompany],
		dataHash(v, a.Status()), changed}, note
}
