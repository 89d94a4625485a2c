package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/testdb"
)

// wpPrefix is the table prefix of the WordPress portals in these tests;
// not wp_, so that a name built from the default shows.
const wpPrefix = "wpx_"

// Meta keys keysync writes by default.
const (
	wpNumberKey = "keysync_customer_number"
	wpHHKey     = "keysync_wibisoft_hh_id"
	wpPEKey     = "keysync_wibisoft_pe_id"
)

// mixedSite is a site whose portals are TYPO3 and WordPress sites.
type mixedSite struct {
	*site
	wp        map[string]*sql.DB
	multisite map[string]bool
}

// newMixedSite is newSite for TYPO3 and WordPress portals, configured in
// the order given: "name=wordpress-single" or "name=wordpress-multisite"
// (testdb.WordPressSingle, testdb.WordPressMultisite) is a WordPress site
// with the tables prefixed wpx_; anything else is a TYPO3 portal as newSite
// makes it.
func newMixedSite(t testing.TB, portals ...string) *mixedSite {
	t.Helper()
	var typo3, names []string
	var wordpress [][2]string
	for _, p := range portals {
		name, schema, _ := strings.Cut(p, "=")
		names = append(names, name)
		if schema == testdb.WordPressSingle || schema == testdb.WordPressMultisite {
			wordpress = append(wordpress, [2]string{name, schema})
		} else {
			typo3 = append(typo3, p)
		}
	}
	m := &mixedSite{site: newSite(t, typo3...), wp: map[string]*sql.DB{}, multisite: map[string]bool{}}
	env := slices.DeleteFunc(m.env, func(kv string) bool { return strings.HasPrefix(kv, "KEYSYNC_SOURCES=") })
	for _, w := range wordpress {
		name, schema := w[0], w[1]
		dsn, db := testdb.NewWithCollation(t, name, "utf8mb4", "utf8mb4_unicode_520_ci")
		testdb.CreateWordPress(t, db, schema, wpPrefix)
		m.wp[name] = db
		m.multisite[name] = schema == testdb.WordPressMultisite
		up := "KEYSYNC_SOURCE_" + strings.ToUpper(name)
		env = append(env, up+"_KIND=wordpress", up+"_DSN="+dsn, up+"_TABLE_PREFIX="+wpPrefix, up+"_COUNTRY=AT")
	}
	m.env = append(env, "KEYSYNC_SOURCES="+strings.Join(names, ","))
	return m
}

// wpUser is one WordPress user with the meta a member site keeps.
type wpUser struct {
	ID                         uint64
	Login, Email, First, Last  string
	Street, Zip, City, Country string // WooCommerce billing address
	Role                       string // in <prefix>capabilities
	Status, Spam, Deleted      int
	Registered                 string // empty: a fixed date
}

// insertWP inserts users with their meta. Like wpdb, it runs with an empty
// sql_mode, which zero dates need.
func (m *mixedSite) insertWP(portal string, users ...wpUser) {
	m.t.Helper()
	t := m.t
	ctx := t.Context()
	conn, err := m.wp[portal].Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("SET SESSION sql_mode = ''")
	defer exec("SET SESSION sql_mode = DEFAULT")
	const chunk = 500
	for start := 0; start < len(users); start += chunk {
		part := users[start:min(start+chunk, len(users))]
		var urows, mrows []string
		var uargs, margs []any
		for _, u := range part {
			reg := u.Registered
			if reg == "" {
				reg = "2024-03-01 10:00:00"
			}
			if m.multisite[portal] {
				urows = append(urows, "(?,?,?,?,?,?,?,?)")
				uargs = append(uargs, u.ID, u.Login, u.Email, reg, u.Status, u.Login, u.Spam, u.Deleted)
			} else {
				urows = append(urows, "(?,?,?,?,?,?)")
				uargs = append(uargs, u.ID, u.Login, u.Email, reg, u.Status, u.Login)
			}
			meta := [][2]string{{"first_name", u.First}, {"last_name", u.Last}, {"nickname", u.Login}}
			if u.Street != "" {
				meta = append(meta, [2]string{"billing_address_1", u.Street}, [2]string{"billing_postcode", u.Zip},
					[2]string{"billing_city", u.City}, [2]string{"billing_country", u.Country})
			}
			if u.Role != "" {
				meta = append(meta, [2]string{wpPrefix + "capabilities", fmt.Sprintf(`a:1:{s:%d:"%s";b:1;}`, len(u.Role), u.Role)})
			}
			for _, kv := range meta {
				mrows = append(mrows, "(?,?,?)")
				margs = append(margs, u.ID, kv[0], kv[1])
			}
		}
		cols := "ID, user_login, user_email, user_registered, user_status, display_name"
		if m.multisite[portal] {
			cols += ", spam, deleted"
		}
		exec("INSERT INTO "+wpPrefix+"users ("+cols+") VALUES "+strings.Join(urows, ","), uargs...)
		exec("INSERT INTO "+wpPrefix+"usermeta (user_id, meta_key, meta_value) VALUES "+strings.Join(mrows, ","), margs...)
	}
}

func (m *mixedSite) execWP(portal, q string, args ...any) {
	m.t.Helper()
	testdb.MustExec(m.t, m.wp[portal], q, args...)
}

// wpRows is what each user holds in keysync's meta keys, as get_user_meta
// reads it: the first row of each key.
func (m *mixedSite) wpRows(portal string) map[uint64]portalRow {
	m.t.Helper()
	rows, err := m.wp[portal].Query(`SELECT user_id, meta_key, COALESCE(meta_value, '') FROM `+wpPrefix+`usermeta WHERE meta_key IN (?, ?, ?) ORDER BY umeta_id`, wpNumberKey, wpHHKey, wpPEKey)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint64]portalRow{}
	seen := map[string]bool{}
	for rows.Next() {
		var id uint64
		var key, value string
		if err := rows.Scan(&id, &key, &value); err != nil {
			m.t.Fatal(err)
		}
		if k := fmt.Sprint(id, key); seen[k] {
			continue
		} else {
			seen[k] = true
		}
		r := out[id]
		r.uid = id
		switch key {
		case wpNumberKey:
			r.number = value
		case wpHHKey:
			r.hh = value
		case wpPEKey:
			r.pe = value
		}
		out[id] = r
	}
	return out
}

// assertWordPressConsistent checks a WordPress portal: every member has
// exactly one row of each of keysync's keys, holding the number the
// account is linked to centrally; users who are no members have none.
func (m *mixedSite) assertWordPressConsistent(portal string) {
	m.t.Helper()
	t := m.t
	db := m.wp[portal]
	if n := scalar[int](t, db, `SELECT COUNT(*) FROM (SELECT user_id, meta_key FROM `+wpPrefix+`usermeta WHERE meta_key IN (?, ?, ?) GROUP BY user_id, meta_key HAVING COUNT(*) > 1) d`,
		wpNumberKey, wpHHKey, wpPEKey); n != 0 {
		t.Errorf("%s: %d (user_id, meta_key) pairs with more than one row", portal, n)
	}
	member := `user_status = 0`
	if m.multisite[portal] {
		member += ` AND spam = 0 AND deleted = 0`
	}
	members := map[uint64]bool{}
	rows, err := db.Query(`SELECT ID, ` + member + ` FROM ` + wpPrefix + `users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uint64
		var ok bool
		if err := rows.Scan(&id, &ok); err != nil {
			t.Fatal(err)
		}
		members[id] = ok
	}
	rows.Close()
	links := m.links(portal)
	meta := m.wpRows(portal)
	tmpl := defaultTemplate(t)
	for id, ok := range members {
		r := meta[id]
		switch {
		case !ok && (r.number != "" || r.hh != "" || r.pe != ""):
			t.Errorf("%s:%d is no member but carries %+v", portal, id, r)
		case ok && (r.number == "" || r.hh == "" || r.pe == ""):
			t.Errorf("%s:%d is a member without all three values: %+v", portal, id, r)
		case ok && links[id] != r.number:
			t.Errorf("%s:%d holds %q, central link %q", portal, id, r.number, links[id])
		case ok:
			if err := tmpl.Validate(r.number); err != nil {
				t.Errorf("%s:%d: %v", portal, id, err)
			}
		}
	}
}

// links returns the central links of one source.
func (m *mixedSite) links(source string) map[uint64]string {
	m.t.Helper()
	rows, err := m.central.Query(`SELECT account_id, number FROM accounts WHERE source = ?`, source)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	out := map[uint64]string{}
	for rows.Next() {
		var id uint64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			m.t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// assertNumbersNeverReused: the sequence handed out exactly as many
// numbers as there are assigned persons, each value once, so none was
// given twice or after a deletion again.
func (m *mixedSite) assertNumbersNeverReused() {
	m.t.Helper()
	t := m.t
	assigned := scalar[int](t, m.central, `SELECT COUNT(*) FROM persons WHERE origin = 'assigned'`)
	if max := scalar[int](t, m.central, `SELECT COALESCE(MAX(seq), 0) FROM persons WHERE origin = 'assigned'`); max != assigned {
		t.Errorf("highest sequence value %d, assigned persons %d", max, assigned)
	}
	if n := scalar[int](t, m.central, `SELECT COUNT(DISTINCT seq) FROM persons WHERE origin = 'assigned'`); n != assigned {
		t.Errorf("%d distinct sequence values for %d assigned persons", n, assigned)
	}
	if n := scalar[int](t, m.central, `SELECT COUNT(*) FROM accounts a LEFT JOIN persons p ON p.number = a.number WHERE p.number IS NULL`); n != 0 {
		t.Errorf("%d accounts linked to a number no person holds", n)
	}
}

// personSet describes the central persons independently of the order in
// which they were numbered: each person's normalised name and e-mail with
// the persons sharing their household.
func (m *mixedSite) personSet() []string {
	m.t.Helper()
	rows, err := m.central.Query(`SELECT CONCAT(first_norm, ' ', last_norm, ' <', email_norm, '>'), COALESCE(hh_id, '') FROM persons`)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	households := map[string][]string{}
	var who []string
	var hh []string
	for rows.Next() {
		var p, h string
		if err := rows.Scan(&p, &h); err != nil {
			m.t.Fatal(err)
		}
		who, hh = append(who, p), append(hh, h)
		households[h] = append(households[h], p)
	}
	var out []string
	for i, p := range who {
		members := slices.Clone(households[hh[i]])
		slices.Sort(members)
		out = append(out, p+" household "+strings.Join(members, ", "))
	}
	slices.Sort(out)
	return out
}

// conflictKinds counts the open conflicts by kind.
func (m *mixedSite) conflictKinds() map[string]int {
	m.t.Helper()
	rows, err := m.central.Query(`SELECT kind, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY kind`)
	if err != nil {
		m.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			m.t.Fatal(err)
		}
		out[k] = n
	}
	return out
}

// people registers on a TYPO3 and a WordPress portal with the same e-mail
// addresses and names, spelled as people type them.
var people = []struct {
	typo3 testdb.FeUser
	wp    wpUser
}{
	{
		testdb.FeUser{Username: "anna", Email: "Anna.Gruber@GMX.at", FirstName: "Anna", LastName: "Gruber", Address: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien", Country: "Österreich"},
		wpUser{ID: 1, Login: "agruber", Email: "anna.gruber@gmx.at", First: "Anna", Last: "Gruber", Street: "Hauptstr. 10 Stg. 4 Top 15", Zip: "1010", City: "Wien", Country: "AT", Role: "subscriber"},
	},
	{
		testdb.FeUser{Username: "hans", Email: "hans.mueller@aon.at", FirstName: "Hans", LastName: "Müller"},
		wpUser{ID: 2, Login: "hmueller", Email: "Hans.Mueller@aon.at ", First: "Hans", Last: "Mueller", Role: "subscriber"},
	},
	{
		testdb.FeUser{Username: "peter", Email: "peter.huber@gmail.com", FirstName: "Peter", LastName: "Huber", Address: "Bahnhofstraße 3", Zip: "4020", City: "Linz", Country: "AT"},
		wpUser{ID: 3, Login: "phuber", Email: "peterhuber+club@gmail.com", First: "Peter", Last: "Huber", Role: "customer"},
	},
	{
		testdb.FeUser{Username: "eva", Email: "eva.wagner@a1.net", FirstName: "Eva", LastName: "Wagner", Address: "Ringstraße 1/2", Zip: "8010", City: "Graz", Country: "AT"},
		wpUser{ID: 4, Login: "ewagner", Email: "eva.wagner@a1.net", First: "Eva", Last: "Wagner", Street: "Ringstraße 1/2", Zip: "8010", City: "Graz", Country: "AT", Role: "subscriber"},
	},
}

func (m *mixedSite) insertPeopleTYPO3(portal string) {
	m.t.Helper()
	var us []testdb.FeUser
	for _, p := range people {
		us = append(us, p.typo3)
	}
	testdb.InsertFeUsers(m.t, m.portals[portal], us)
}

func (m *mixedSite) insertPeopleWP(portal string) {
	m.t.Helper()
	var us []wpUser
	for _, p := range people {
		us = append(us, p.wp)
	}
	m.insertWP(portal, us...)
}

// assertSameValuesOnBoth checks that each person carries the same number,
// household and person id on the TYPO3 and the WordPress portal, and that
// they are distinct persons.
func (m *mixedSite) assertSameValuesOnBoth(typo3, wordpress string) {
	m.t.Helper()
	t3, wp := m.rows(typo3), m.wpRows(wordpress)
	numbers := map[string]bool{}
	for i := range people {
		a, b := t3[uint64(i+1)], wp[people[i].wp.ID]
		if a.number == "" || a.number != b.number || a.hh != b.hh || a.pe != b.pe {
			m.t.Errorf("%s: TYPO3 %+v, WordPress %+v, want the same values", people[i].typo3.Username, a, b)
		}
		if numbers[a.number] {
			m.t.Errorf("%s: number %s given to two persons", people[i].typo3.Username, a.number)
		}
		numbers[a.number] = true
	}
}

func (m *mixedSite) assertPersons(want int) {
	m.t.Helper()
	if n := scalar[int](m.t, m.central, `SELECT COUNT(*) FROM persons`); n != want {
		m.t.Errorf("persons=%d, want %d", n, want)
	}
}

// TestWordPress_SamePeopleOnTYPO3AndWordPress: the same people register on
// a TYPO3 portal and on a WordPress site, first on one, then on the other,
// or on both before keysync runs, with two passes at once. Every order
// ends with one number, household and person id per person on both
// portals, and the same persons centrally.
func TestWordPress_SamePeopleOnTYPO3AndWordPress(t *testing.T) {
	t.Parallel()
	orders := []string{"typo3 first", "wordpress first", "both at once"}
	sets := make([][]string, len(orders))
	t.Run("orders", func(t *testing.T) {
		for i, order := range orders {
			t.Run(order, func(t *testing.T) {
				t.Parallel()
				m := newMixedSite(t, "amicas", "blog="+testdb.WordPressSingle)
				m.mustRun(0, "migrate")
				switch order {
				case "typo3 first":
					m.insertPeopleTYPO3("amicas")
					m.mustRun(0, "once")
					before := m.rows("amicas")
					m.insertPeopleWP("blog")
					m.mustRun(0, "once")
					if after := m.rows("amicas"); !reflect.DeepEqual(before, after) {
						t.Errorf("TYPO3 rows changed by the WordPress registrations")
					}
				case "wordpress first":
					m.insertPeopleWP("blog")
					m.mustRun(0, "once")
					m.insertPeopleTYPO3("amicas")
					m.mustRun(0, "once")
				case "both at once":
					m.insertPeopleTYPO3("amicas")
					m.insertPeopleWP("blog")
					var wg sync.WaitGroup
					results := make([]result, 2)
					for i := range results {
						wg.Go(func() { results[i] = m.run(m.env, "once", "--json") })
					}
					wg.Wait()
					for i, r := range results {
						if r.code != 0 {
							t.Fatalf("process %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
						}
					}
				}
				m.assertSameValuesOnBoth("amicas", "blog")
				m.assertPersons(len(people))
				m.assertConsistent(true)
				m.assertWordPressConsistent("blog")
				m.assertNumbersNeverReused()
				if got := m.conflictKinds(); len(got) != 0 {
					t.Errorf("conflicts=%v, want none", got)
				}
				if got := scalar[string](t, m.central, `SELECT COALESCE(groups_list, '') FROM accounts WHERE source = 'blog' AND account_id = 3`); got != `["customer"]` {
					t.Errorf("WordPress roles kept centrally as %q", got)
				}
				sets[i] = m.personSet()
			})
		}
	})
	// Every order must have run to compare them (go test -short skips them).
	if t.Failed() || slices.ContainsFunc(sets, func(s []string) bool { return s == nil }) {
		return
	}
	for i := range orders[1:] {
		if !slices.Equal(sets[i+1], sets[0]) {
			t.Errorf("persons after %s:\n%s\nafter %s:\n%s", orders[i+1], strings.Join(sets[i+1], "\n"), orders[0], strings.Join(sets[0], "\n"))
		}
	}
	if len(sets[0]) != len(people) {
		t.Errorf("persons=%q", sets[0])
	}
}

// TestWordPress_SharedMailbox: Grete registers on WordPress with the
// mailbox Hans already uses on TYPO3. WordPress allows one account per
// address, so the couple is one account on each portal: two persons, one
// household, and a conflict for review.
func TestWordPress_SharedMailbox(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "amicas", "blog="+testdb.WordPressSingle)
	m.mustRun(0, "migrate")
	testdb.InsertFeUsers(t, m.portals["amicas"], []testdb.FeUser{
		{Username: "hans", Email: "familie.mueller@gmx.at", FirstName: "Hans", LastName: "Müller", Address: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien", Country: "AT"},
	})
	m.mustRun(0, "once")
	m.insertWP("blog", wpUser{ID: 1, Login: "grete", Email: "Familie.Mueller@gmx.at", First: "Grete", Last: "Müller", Street: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien", Country: "AT"})
	r := m.mustRun(ExitConflicts, "once")
	hans, grete := m.rows("amicas")[1], m.wpRows("blog")[1]
	if grete.number == "" || grete.number == hans.number || grete.pe == hans.pe {
		t.Errorf("Grete must be a person of her own: Hans %+v, Grete %+v", hans, grete)
	}
	if grete.hh == "" || grete.hh != hans.hh {
		t.Errorf("a shared mailbox shares the household: Hans %q, Grete %q", hans.hh, grete.hh)
	}
	if got := m.conflictKinds(); !reflect.DeepEqual(got, map[string]int{"shared_email": 1}) {
		t.Errorf("conflicts=%v, want one shared_email", got)
	}
	if !strings.Contains(r.stderr, `"kind":"shared_email"`) {
		t.Errorf("no conflict logged:\n%s", r.stderr)
	}
	// The next pass adds nothing.
	if r := m.run(m.env, "once"); r.code != 0 && r.code != ExitConflicts {
		t.Fatalf("second pass: exit %d\n%s", r.code, r.stderr)
	}
	if got := m.conflictKinds(); got["shared_email"] != 1 {
		t.Errorf("conflicts after a second pass=%v", got)
	}
	m.assertWordPressConsistent("blog")
	m.assertNumbersNeverReused()
}

// TestWordPress_ReregistrationAfterDeletion: a TYPO3 member is deleted,
// softly or by removing the row, and later registers on WordPress with the
// same e-mail and name: the old number comes back, no new one is used.
func TestWordPress_ReregistrationAfterDeletion(t *testing.T) {
	t.Parallel()
	for _, deletion := range []string{"UPDATE fe_users SET deleted = 1 WHERE uid = 1", "DELETE FROM fe_users WHERE uid = 1"} {
		t.Run(strings.Fields(deletion)[0], func(t *testing.T) {
			t.Parallel()
			m := newMixedSite(t, "amicas", "blog="+testdb.WordPressMultisite)
			m.mustRun(0, "migrate")
			testdb.InsertFeUsers(t, m.portals["amicas"], []testdb.FeUser{
				{Username: "anna", Email: "anna.gruber@gmx.at", FirstName: "Anna", LastName: "Gruber"},
				{Username: "bert", Email: "bert.huber@gmx.at", FirstName: "Bert", LastName: "Huber"},
			})
			m.mustRun(0, "once")
			old := m.rows("amicas")[1]
			mustExec(t, m.site, "amicas", deletion)
			m.mustRun(0, "once")

			m.insertWP("blog",
				wpUser{ID: 5, Login: "anna", Email: "Anna.Gruber@gmx.at", First: "Anna", Last: "Gruber"},
				wpUser{ID: 6, Login: "clara", Email: "clara@gmx.at", First: "Clara", Last: "Neu"})
			m.mustRun(0, "once")
			wp := m.wpRows("blog")
			if got := wp[5]; got.number != old.number || got.hh != old.hh || got.pe != old.pe {
				t.Errorf("re-registration got %+v, want the old values %+v", got, old)
			}
			if wp[6].number == "" || wp[6].number == old.number {
				t.Errorf("a new person got %+v", wp[6])
			}
			m.assertPersons(3)
			m.assertWordPressConsistent("blog")
			m.assertNumbersNeverReused()
		})
	}
}

// TestWordPress_TwoPassesOnTwoThousandUsers: two `keysync once` at the
// same time over 2,000 new WordPress users. Each user ends with exactly
// one row per meta key and one number, and no number is used twice.
func TestWordPress_TwoPassesOnTwoThousandUsers(t *testing.T) {
	t.Parallel()
	const n = 2000
	m := newMixedSite(t, "blog="+testdb.WordPressSingle)
	m.mustRun(0, "migrate")
	var us []wpUser
	for i, u := range testdb.GenerateFeUsers(11, n) {
		w := wpUser{ID: uint64(i + 1), Login: u.Username, Email: u.Email, First: u.FirstName, Last: u.LastName, Role: "subscriber"}
		if i%2 == 0 {
			w.Street, w.Zip, w.City, w.Country = u.Address, u.Zip, u.City, u.Country
		}
		us = append(us, w)
	}
	m.insertWP("blog", us...)

	env := m.with("KEYSYNC_BATCH_SIZE=200")
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Go(func() { results[i] = m.run(env, "once", "--json") })
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 && r.code != ExitConflicts {
			t.Fatalf("process %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	db := m.wp["blog"]
	if got := scalar[int](t, db, `SELECT COUNT(*) FROM `+wpPrefix+`usermeta WHERE meta_key IN (?, ?, ?)`, wpNumberKey, wpHHKey, wpPEKey); got != 3*n {
		t.Errorf("keysync meta rows=%d, want %d", got, 3*n)
	}
	if got := scalar[int](t, db, `SELECT COUNT(DISTINCT user_id) FROM `+wpPrefix+`usermeta WHERE meta_key = ?`, wpNumberKey); got != n {
		t.Errorf("users with a number=%d, want %d", got, n)
	}
	m.assertWordPressConsistent("blog")
	m.assertNumbersNeverReused()
	if got := scalar[int](t, m.central, `SELECT COUNT(*) FROM accounts`); got != n {
		t.Errorf("linked accounts=%d, want %d", got, n)
	}
	persons := scalar[int](t, m.central, `SELECT COUNT(*) FROM persons`)
	if got := scalar[int](t, db, `SELECT COUNT(DISTINCT meta_value) FROM `+wpPrefix+`usermeta WHERE meta_key = ?`, wpNumberKey); got != persons {
		t.Errorf("distinct numbers in the portal=%d, persons=%d", got, persons)
	}
	if got := m.conflictKinds(); got["writeback_mismatch"] != 0 || got["number_mismatch"] != 0 {
		t.Errorf("conflicts=%v: the two passes got in each other's way", got)
	}
}

// TestWordPress_MembersAndHooks: a multisite with every kind of user, run
// by `keysync once` as cron would, with the after-write command that
// clears WordPress's object cache.
func TestWordPress_MembersAndHooks(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "blog="+testdb.WordPressMultisite)
	hook := filepath.Join(t.TempDir(), "hook.log")
	m.env = append(m.env, "KEYSYNC_SOURCE_BLOG_AFTER_WRITE=echo {id} $KEYSYNC_USER_ID >> "+hook, "KEYSYNC_SOURCE_BLOG_AFTER_WRITE_TIMEOUT=5s")
	if r := m.mustRun(0, "migrate"); !strings.Contains(r.stdout, "blog: CREATE TABLE IF NOT EXISTS `wpx_keysync_changes`") {
		t.Errorf("migrate output:\n%s", r.stdout)
	}
	m.insertWP("blog",
		wpUser{ID: 1, Login: "anna", Email: "anna@gmx.at", First: "Anna", Last: "Gruber", Role: "subscriber"},
		wpUser{ID: 2, Login: "bp", Email: "bp@gmx.at", First: "Berta", Last: "Pending", Status: 2},
		wpUser{ID: 3, Login: "spam", Email: "spam@example.com", Spam: 1},
		wpUser{ID: 4, Login: "gone", Email: "gone@gmx.at", First: "Gerd", Last: "Weg", Deleted: 1},
		wpUser{ID: 5, Login: "old", Email: "old@gmx.at", First: "Otto", Last: "Alt", Registered: "0000-00-00 00:00:00"},
	)
	m.execWP("blog", "INSERT INTO "+wpPrefix+"signups (domain, path, title, user_login, user_email, registered, activation_key, meta) VALUES ('', '', '', 'signup', 'signup@gmx.at', '2025-05-01 08:00:00', 'abc', 'a:0:{}')")

	m.mustRun(0, "once")
	wp := m.wpRows("blog")
	for _, id := range []uint64{1, 5} {
		if wp[id].number == "" {
			t.Errorf("member %d not numbered", id)
		}
	}
	for _, id := range []uint64{2, 3, 4} {
		if wp[id] != (portalRow{}) {
			t.Errorf("user %d is no member but got %+v", id, wp[id])
		}
	}
	if got, want := hookLines(t, hook), []string{"1 1", "5 5"}; !slices.Equal(got, want) {
		t.Errorf("after-write ran for %q, want %q", got, want)
	}

	// BuddyPress activates Berta while no keysync runs; the next cron
	// pass numbers her.
	m.execWP("blog", "UPDATE "+wpPrefix+"users SET user_status = 0 WHERE ID = 2")
	m.mustRun(0, "once")
	if got := m.wpRows("blog")[2]; got.number == "" {
		t.Errorf("activated sign-up not numbered by the next pass: %+v", got)
	}
	if got, want := hookLines(t, hook), []string{"1 1", "2 2", "5 5"}; !slices.Equal(got, want) {
		t.Errorf("after-write ran for %q, want %q", got, want)
	}
	if n := scalar[int](t, m.wp["blog"], `SELECT COUNT(*) FROM `+wpPrefix+`signups WHERE active = 0 AND user_login = 'signup'`); n != 1 {
		t.Errorf("the pending sign-up changed")
	}
	if n := scalar[int](t, m.central, `SELECT COUNT(*) FROM accounts WHERE email IN ('signup@gmx.at', 'spam@example.com', 'gone@gmx.at')`); n != 0 {
		t.Errorf("%d non-members linked centrally", n)
	}
	m.assertWordPressConsistent("blog")
	m.assertNumbersNeverReused()
}

// TestWordPress_TwoDaemons: two daemons over a TYPO3 portal and a WordPress
// site with the same people, and a sign-up activated while they run.
func TestWordPress_TwoDaemons(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "amicas", "blog="+testdb.WordPressMultisite)
	m.mustRun(0, "migrate")
	m.insertPeopleTYPO3("amicas")
	m.insertPeopleWP("blog")
	m.insertWP("blog", wpUser{ID: 9, Login: "bp", Email: "bp@gmx.at", First: "Berta", Last: "Pending", Status: 2})
	daemons := []*daemon{m.startDaemon(m.env), m.startDaemon(m.env)}
	numbered := func() bool { return len(m.links("blog")) == len(people) && len(m.links("amicas")) == len(people) }
	eventually(t, time.Minute, "both portals to be numbered", numbered)
	eventually(t, time.Minute, "the write-backs", func() bool {
		wp := m.wpRows("blog")
		for _, p := range people {
			if wp[p.wp.ID].pe == "" {
				return false
			}
		}
		return true
	})
	m.execWP("blog", "UPDATE "+wpPrefix+"users SET user_status = 0 WHERE ID = 9")
	eventually(t, time.Minute, "the activated sign-up to be numbered", func() bool { return m.wpRows("blog")[9].pe != "" })
	for i, d := range daemons {
		if code := d.stop(); code != 0 {
			t.Errorf("daemon %d: exit %d", i, code)
		}
	}
	m.assertSameValuesOnBoth("amicas", "blog")
	m.assertPersons(len(people) + 1)
	m.assertConsistent(true)
	m.assertWordPressConsistent("blog")
	m.assertNumbersNeverReused()
	if got := m.conflictKinds(); len(got) != 0 {
		t.Errorf("conflicts=%v, want none", got)
	}
}

// hookLines reads what the after-write command appended, sorted.
func hookLines(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return lines
}

// TestWordPress_AfterWriteEnvironment: the after-write command (wp-cli
// loads the site's PHP) sees PATH, HOME, LANG, the user id and the source,
// and none of keysync's own environment: no DSN, no credentials directory.
func TestWordPress_AfterWriteEnvironment(t *testing.T) {
	t.Parallel()
	m := newMixedSite(t, "blog="+testdb.WordPressSingle)
	dir := t.TempDir()
	m.env = append(m.env, "KEYSYNC_SOURCE_BLOG_AFTER_WRITE=env > "+dir+"/env.{id}",
		"CREDENTIALS_DIRECTORY=/run/credentials/keysync.service", "MYSQL_PWD=Sup3rS3cret", "HOME=/var/lib/keysync", "LANG=de_AT.UTF-8")
	m.mustRun(0, "migrate")
	m.insertWP("blog", wpUser{ID: 7, Login: "anna", Email: "anna@gmx.at", First: "Anna", Last: "Gruber", Role: "subscriber"})
	m.mustRun(0, "once")
	b, err := os.ReadFile(filepath.Join(dir, "env.7"))
	if err != nil {
		t.Fatalf("the after-write command did not run: %v", err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	want := map[string]string{"HOME": "/var/lib/keysync", "LANG": "de_AT.UTF-8", "KEYSYNC_USER_ID": "7", "KEYSYNC_SOURCE": "blog"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s=%q, want %q", k, got[k], v)
		}
	}
	shell := map[string]bool{"PATH": true, "PWD": true, "SHLVL": true, "_": true, "OLDPWD": true}
	for k := range got {
		if _, ok := want[k]; !ok && !shell[k] {
			t.Errorf("the after-write command sees %s", k)
		}
	}
	if strings.Contains(string(b), "Sup3rS3cret") || strings.Contains(string(b), "tcp(") {
		t.Errorf("the after-write command sees a secret or a DSN:\n%s", b)
	}
}
