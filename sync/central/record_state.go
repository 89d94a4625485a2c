package central

import (
	"cmp"
	"slices"
	"time"

	keysync "keysync/sync"
)

// accountState is what the record knows of one of a person's accounts: the
// values keysync last read, its status and when its values last changed.
type accountState struct {
	key     accountKey
	values  values
	status  keysync.AccountStatus
	changed time.Time
}

// current reports whether the account's values may stand in the
// person's record when another account's value is emptied: a deleted or
// vanished account's only when no other has one.
func (a *accountState) current() bool {
	return a.status == keysync.StatusActive || a.status == keysync.StatusInactive
}

// fieldChange is one change of a person's value, a row of field_changes.
type fieldChange struct {
	field    keysync.Field
	old, new string
	from     accountKey // the account the new value came from
	at       time.Time  // when it changed
}

// personState is one person's record while a transaction changes it.
type personState struct {
	number   string
	rec      record
	accounts []*accountState
	// country stands in for the record's when it names none, for the
	// normalised columns matching reads.
	country string
	// dirty: the record must be written; inserted: the person is new in
	// this transaction and its row takes the record as it is inserted.
	dirty, inserted bool
	changes         []fieldChange
}

func (ps *personState) account(k accountKey) *accountState {
	for _, a := range ps.accounts {
		if a.key == k {
			return a
		}
	}
	return nil
}

// apply records that account k shows vals and status now, changed at t.
// Values that differ from what the account showed before are offered to
// the record (see record.go); with baseline set (the account's first read
// since schema version 6, or an account new to the person) every value is
// offered, so that the record learns where it comes from. history says
// whether changes of the person's values are history.
func (ps *personState) apply(k accountKey, vals values, status keysync.AccountStatus, t time.Time, baseline, history bool) {
	a := ps.account(k)
	if a == nil {
		a = &accountState{key: k}
		ps.accounts = append(ps.accounts, a)
		baseline = true
	}
	prev := a.values
	if !equalValues(prev, vals) || a.changed.IsZero() {
		a.changed = t
	}
	a.values, a.status = vals, status
	for _, f := range keysync.Fields {
		if f == keysync.FieldMemberships || (vals[f] == prev[f] && !baseline) {
			continue
		}
		ps.offer(f, k, vals[f], t, history)
	}
	ps.refreshMemberships(k, t, history)
}

// offer applies one value of account k to the record: most recent change
// wins, an empty value only empties a field it supplied.
func (ps *personState) offer(f keysync.Field, k accountKey, v string, t time.Time, history bool) {
	cur, has := ps.rec[f]
	switch {
	case v != "":
		if !has || cur.Value == "" || cur.from(k) || !t.Before(cur.At) {
			ps.set(f, entry{Value: v, Source: k.source, ID: k.id, At: t}, t, history)
		}
	case has && cur.from(k) && cur.Value != "":
		if e, ok := ps.fallback(f, k); ok {
			ps.set(f, e, t, history)
		} else {
			ps.set(f, entry{Source: k.source, ID: k.id, At: t}, t, history)
		}
	}
}

// fallback is the value another account offers for a field emptied in k:
// the most recently changed account with a value, a current one first.
func (ps *personState) fallback(f keysync.Field, k accountKey) (entry, bool) {
	var best *accountState
	for _, a := range ps.accounts {
		if a.key == k || a.values[f] == "" {
			continue
		}
		if best == nil || a.current() && !best.current() || a.current() == best.current() && a.changed.After(best.changed) {
			best = a
		}
	}
	if best == nil {
		return entry{}, false
	}
	return entry{Value: best.values[f], Source: best.key.source, ID: best.key.id, At: best.changed}, true
}

// refreshMemberships recomputes the person's memberships from its accounts.
func (ps *personState) refreshMemberships(k accountKey, t time.Time, history bool) {
	v := memberships(ps.accounts)
	if cur := ps.rec[keysync.FieldMemberships]; cur.Value != v || (v != "" && cur.Source == "") {
		ps.set(keysync.FieldMemberships, entry{Value: v, Source: k.source, ID: k.id, At: t}, t, history)
	}
}

// set changes a field of the record; a new value is history when history
// is set.
func (ps *personState) set(f keysync.Field, e entry, at time.Time, history bool) {
	old := ps.rec[f]
	if old == e {
		return
	}
	ps.rec[f] = e
	ps.dirty = true
	if history && old.Value != e.Value {
		ps.changes = append(ps.changes, fieldChange{field: f, old: old.Value, new: e.Value, from: accountKey{e.Source, e.ID}, at: at})
	}
}

// merge takes a retired person's record into the survivor's: per field the
// more recent change wins, and a value beats none. The accounts moved
// already.
func (ps *personState) merge(loser record, at time.Time) {
	for _, f := range keysync.Fields {
		if f == keysync.FieldMemberships {
			continue
		}
		mine, theirs := ps.rec[f], loser[f]
		if theirs.Value != "" && (mine.Value == "" || theirs.At.After(mine.At)) {
			ps.set(f, theirs, at, true)
		}
	}
	ps.refreshMemberships(accountKey{}, at, true)
}

// account returns the values the record holds, as an account, for the
// normalised columns of the person that matching reads.
func (ps *personState) asAccount() keysync.Account {
	var a keysync.Account
	for f, e := range ps.rec {
		a.SetValue(f, e.Value)
	}
	return a
}

func equalValues(a, b values) bool {
	if len(a) != len(b) {
		return false
	}
	for f, v := range a {
		if b[f] != v {
			return false
		}
	}
	return true
}

// sortedChanges returns the history rows of the persons in a stable order.
func sortedChanges(states map[string]*personState) []*personState {
	out := make([]*personState, 0, len(states))
	for _, ps := range states {
		out = append(out, ps)
	}
	slices.SortFunc(out, func(x, y *personState) int { return cmp.Compare(x.number, y.number) })
	return out
}
