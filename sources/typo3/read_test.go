package typo3_test

import (
	"cmp"
	"database/sql"
	"reflect"
	"slices"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

// pendingCase is one fe_users row of the Pending and Sweep tests.
type pendingCase struct {
	name        string
	user        testdb.FeUser
	number, hh  string
	pending     bool // Pending returns it (all storage folders)
	active      bool // Account.Active
	otherFolder bool // outside the configured storage folder 5
}

func pendingCases() []pendingCase {
	t := now.Unix()
	u := func(uid uint64, pid uint64) testdb.FeUser {
		return testdb.FeUser{UID: uid, Pid: pid, Username: "user" + string(rune('a'+uid)), FirstName: "Anna", LastName: "Gruber", Crdate: t - 86400, Tstamp: t - 86400}
	}
	with := func(f testdb.FeUser, edit func(*testdb.FeUser)) testdb.FeUser { edit(&f); return f }
	// Uids are not in insert order, so that the uid order is the query's.
	return []pendingCase{
		{name: "confirmed", user: u(10, 5), pending: true, active: true},
		{name: "soft-deleted", user: with(u(3, 5), func(f *testdb.FeUser) { f.Deleted = 1 })},
		{name: "double opt-in waiting", user: with(u(11, 5), func(f *testdb.FeUser) { f.Disable = 1 })},
		{name: "starts later", user: with(u(12, 5), func(f *testdb.FeUser) { f.Starttime = t + 3600 })},
		{name: "started", user: with(u(4, 5), func(f *testdb.FeUser) { f.Starttime = t - 3600 }), pending: true, active: true},
		{name: "starts now", user: with(u(13, 5), func(f *testdb.FeUser) { f.Starttime = t }), pending: true, active: true},
		{name: "ended", user: with(u(14, 5), func(f *testdb.FeUser) { f.Endtime = t - 1 })},
		{name: "ends now", user: with(u(15, 5), func(f *testdb.FeUser) { f.Endtime = t })},
		{name: "ends later", user: with(u(5, 5), func(f *testdb.FeUser) { f.Endtime = t + 3600 }), pending: true, active: true},
		{name: "numbered", user: u(16, 5), number: "000000013", active: true},
		{name: "blank number", user: u(17, 5), number: "   ", pending: true, active: true},
		{name: "household id only", user: u(18, 5), hh: "0000001", pending: true, active: true},
		{name: "other storage folder", user: u(2, 27), pending: true, active: true, otherFolder: true},
		{name: "deleted and disabled", user: with(u(19, 5), func(f *testdb.FeUser) { f.Deleted, f.Disable = 1, 1 })},
	}
}

// mustPendingPortal fills a migrated portal with pendingCases and returns
// the cases in uid order.
func mustPendingPortal(tb testing.TB, schema string, cfg typo3.Config) (*portal, []pendingCase) {
	tb.Helper()
	p := mustMigrated(tb, schema, cfg)
	cases := pendingCases()
	users := make([]testdb.FeUser, len(cases))
	for i, c := range cases {
		users[i] = c.user
	}
	testdb.InsertFeUsers(tb, p.db, users)
	for _, c := range cases {
		if c.number != "" || c.hh != "" {
			mustKeysyncValues(tb, p.db, c.user.UID, c.number, c.hh, "")
		}
	}
	slices.SortFunc(cases, func(a, b pendingCase) int { return cmp.Compare(a.user.UID, b.user.UID) })
	return p, cases
}

func TestSource_Pending(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p, cases := mustPendingPortal(t, schema, typo3.Config{})
			folder := mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{5, 99}})

			var all, inFolder []uint64
			for _, c := range cases {
				if c.pending {
					all = append(all, c.user.UID)
					if !c.otherFolder {
						inFolder = append(inFolder, c.user.UID)
					}
				}
			}
			if got, want := uids(mustPending(t, p.src, 0, 100)), all; !slices.Equal(got, want) {
				t.Fatalf("Pending uids=%v, want %v", got, want)
			}
			for _, a := range mustPending(t, p.src, 0, 100) {
				if !a.Active || a.Deleted || a.Number != "" {
					t.Errorf("pending uid %d: Active=%v Deleted=%v Number=%q, want active, not deleted, no number", a.ID, a.Active, a.Deleted, a.Number)
				}
			}
			if got, want := uids(mustPending(t, folder, 0, 100)), inFolder; !slices.Equal(got, want) {
				t.Errorf("Pending with PIDs uids=%v, want %v", got, want)
			}
			if got, want := uids(mustPending(t, p.src, all[1], 100)), all[2:]; !slices.Equal(got, want) {
				t.Errorf("Pending after %d uids=%v, want %v", all[1], got, want)
			}
			if got, want := uids(mustPending(t, p.src, 0, 3)), all[:3]; !slices.Equal(got, want) {
				t.Errorf("Pending limit 3 uids=%v, want %v", got, want)
			}
			if got, want := uids(mustPending(t, folder, all[len(all)-1], 100)), []uint64(nil); !slices.Equal(got, want) {
				t.Errorf("Pending after the last uids=%v, want none", got)
			}
		})
	}
}

func TestSource_Sweep(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p, cases := mustPendingPortal(t, schema, typo3.Config{})

			swept := mustSweep(t, p.src, 0, 100)
			if got, want := len(swept), len(cases); got != want {
				t.Fatalf("Sweep returned %d rows, want all %d", got, want)
			}
			for i, a := range swept {
				c := cases[i]
				if got, want := a.ID, c.user.UID; got != want {
					t.Fatalf("Sweep row %d uid=%d, want %d (uid order)", i, got, want)
				}
				if got, want := a.Active, c.active; got != want {
					t.Errorf("%s: Active=%v, want %v", c.name, got, want)
				}
				if got, want := a.Deleted, c.user.Deleted == 1; got != want {
					t.Errorf("%s: Deleted=%v, want %v", c.name, got, want)
				}
			}
			if got, want := uids(mustSweep(t, p.src, cases[4].user.UID, 3)), []uint64{cases[5].user.UID, cases[6].user.UID, cases[7].user.UID}; !slices.Equal(got, want) {
				t.Errorf("Sweep after uid %d limit 3=%v, want %v", cases[4].user.UID, got, want)
			}
			last := cases[len(cases)-1].user.UID
			if got := mustSweep(t, p.src, last, 100); len(got) != 0 {
				t.Errorf("Sweep after the last uid returned %v, want none", uids(got))
			}

			folder := mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{27}})
			if got, want := uids(mustSweep(t, folder, 0, 100)), []uint64{2}; !slices.Equal(got, want) {
				t.Errorf("Sweep with PIDs 27=%v, want %v", got, want)
			}
		})
	}
}

// SweepKeys reads what Sweep reads of the state and keysync's columns,
// trimmed the same way, and nothing else.
func TestSource_SweepKeys(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p, cases := mustPendingPortal(t, schema, typo3.Config{})
			mustKeysyncValues(t, p.db, cases[0].user.UID, " 000000021 ", "0000003 ", " 00000004")

			keys := func(src *typo3.Source, after uint64, limit int) []keysync.Account {
				t.Helper()
				rows, err := src.SweepKeys(t.Context(), after, limit, now)
				if err != nil {
					t.Fatalf("SweepKeys(%d, %d): %v", after, limit, err)
				}
				return rows
			}
			whole := mustSweep(t, p.src, 0, 100)
			lean := keys(p.src, 0, 100)
			if got, want := len(lean), len(whole); got != want {
				t.Fatalf("SweepKeys returned %d rows, Sweep %d", got, want)
			}
			for i, a := range lean {
				w := whole[i]
				want := keysync.Account{Source: w.Source, ID: w.ID, Active: w.Active, Deleted: w.Deleted, Number: w.Number, HH: w.HH, PE: w.PE}
				if !reflect.DeepEqual(a, want) {
					t.Errorf("SweepKeys row %d=%+v, want %+v", i, a, want)
				}
			}
			if got, want := lean[0].Number+"/"+lean[0].HH+"/"+lean[0].PE, "000000021/0000003/00000004"; got != want {
				t.Errorf("SweepKeys values=%s, want %s (trimmed)", got, want)
			}
			if got, want := uids(keys(p.src, cases[4].user.UID, 3)), []uint64{cases[5].user.UID, cases[6].user.UID, cases[7].user.UID}; !slices.Equal(got, want) {
				t.Errorf("SweepKeys after uid %d limit 3=%v, want %v", cases[4].user.UID, got, want)
			}
			folder := mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{27}})
			if got, want := uids(keys(folder, 0, 100)), []uint64{2}; !slices.Equal(got, want) {
				t.Errorf("SweepKeys with PIDs 27=%v, want %v", got, want)
			}
		})
	}
}

func TestSource_DoubleOptIn(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			// femanager and sr_feuser_register insert unconfirmed users with disable=1.
			id := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{{Pid: 5, Username: "eva", Email: "eva@example.at", FirstName: "Eva", LastName: "Berger", Disable: 1}})[0]

			if got := mustPending(t, p.src, 0, 10); len(got) != 0 {
				t.Fatalf("unconfirmed row is pending: %v", uids(got))
			}
			swept := mustSweep(t, p.src, 0, 10)
			if len(swept) != 1 || swept[0].Active {
				t.Fatalf("Sweep=%+v, want the row, inactive", swept)
			}

			// The confirmation link clears disable and bumps tstamp.
			testdb.MustExec(t, p.db, "UPDATE fe_users SET disable = 0, tstamp = ? WHERE uid = ?", now.Unix(), id)
			got := mustPending(t, p.src, 0, 10)
			if len(got) != 1 || got[0].ID != id || !got[0].Active {
				t.Fatalf("Pending after confirmation=%+v, want uid %d, active", got, id)
			}
		})
	}
}

func TestSource_AccountFields(t *testing.T) {
	t.Parallel()
	crdate := time.Date(2019, 3, 14, 9, 26, 53, 0, time.UTC)
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
				{Pid: 5, Username: "juergen.mueller", Email: "Jürgen.Müller@GMX.at", FirstName: "Jürgen", LastName: "Müller-Lüdenscheidt", Name: "Jürgen Müller-Lüdenscheidt",
					Title: "Mag.", Address: "Große Neugasse 10/Stiege 4/Top 15", Zip: "1040", City: "Wien", Country: "Österreich", Usergroup: "1, 2,7", Crdate: crdate.Unix()},
				{Pid: 5, Username: "huber", Name: "Dr. Maria Huber", Usergroup: "0", Deleted: 1},
				{Pid: 5, Username: "only.first", FirstName: "Karl", Name: "Karl Maier", Disable: 1},
			})
			mustKeysyncValues(t, p.db, ids[0], " 000000013 ", "0000001 ", " 00000001")
			testdb.MustExec(t, p.db, "UPDATE fe_users SET usergroup = NULL WHERE uid = ?", ids[2])
			if schema == testdb.Typo3V13 {
				// v13 declares address as longtext NULL.
				testdb.MustExec(t, p.db, "UPDATE fe_users SET address = NULL WHERE uid = ?", ids[2])
			}

			want := []keysync.Account{
				{Source: "amicas", ID: ids[0], Active: true, Username: "juergen.mueller", Email: "Jürgen.Müller@GMX.at", FirstName: "Jürgen", LastName: "Müller-Lüdenscheidt",
					Title: "Mag.", Street: "Große Neugasse 10/Stiege 4/Top 15", Zip: "1040", City: "Wien", Country: "AT", Groups: []string{"1", "2", "7"},
					Registered: crdate, Number: "000000013", HH: "0000001", PE: "00000001"},
				// first and last name empty: split from name, titles dropped.
				{Source: "amicas", ID: ids[1], Deleted: true, Username: "huber", FirstName: "Maria", LastName: "Huber"},
				// a first name alone is kept as typed, not replaced from name.
				{Source: "amicas", ID: ids[2], Username: "only.first", FirstName: "Karl"},
			}
			got := mustSweep(t, p.src, 0, 10)
			if len(got) != len(want) {
				t.Fatalf("Sweep returned %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("account %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// explain runs EXPLAIN on a query and returns its first row by column name.
func explain(tb testing.TB, db *sql.DB, query string, args ...any) map[string]string {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		tb.Fatalf("EXPLAIN: %v", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatalf("EXPLAIN columns: %v", err)
	}
	if !rows.Next() {
		tb.Fatalf("EXPLAIN returned no row: %v", rows.Err())
	}
	vals := make([]sql.NullString, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := rows.Scan(dest...); err != nil {
		tb.Fatalf("EXPLAIN scan: %v", err)
	}
	out := map[string]string{}
	for i, c := range cols {
		out[c] = vals[i].String
	}
	return out
}

func TestSource_PendingUsesIndex(t *testing.T) {
	t.Parallel()
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{})
	testdb.InsertFeUsers(t, p.db, testdb.GenerateFeUsers(3, 3000))
	// A portal in steady state: nearly everybody has a number. The numbers
	// are there before the index is built, so that the index holds no
	// entries that InnoDB's purge has yet to remove; those would make the
	// plan depend on timing.
	testdb.MustExec(t, p.db, "ALTER TABLE fe_users ADD COLUMN tx_keysync_customer_number varchar(32) NOT NULL DEFAULT ''")
	testdb.MustExec(t, p.db, "UPDATE fe_users SET tx_keysync_customer_number = LPAD(uid, 9, '0') WHERE uid % 250 <> 0")
	mustMigrate(t, p.src)
	mustCheck(t, p.src)
	testdb.MustExec(t, p.db, "ANALYZE TABLE fe_users")

	// pendingSQL is the statement Pending sends (pinned in TestSource_SQL).
	plan := explain(t, p.src.DB(), pendingSQL, 0, now.Unix(), now.Unix(), 500)
	if got, want := plan["key"], typo3.PendingIndex; got != want {
		t.Fatalf("EXPLAIN key=%q, want %q (plan %v)", got, want, plan)
	}
	if got, want := len(mustPending(t, p.src, 0, 500)), 12; got != want {
		t.Errorf("Pending returned %d rows, want %d", got, want)
	}
}

// TestSource_NullTextColumns: a site upgraded from an old TYPO3 can hold
// NULL in text columns; such a row is read, not a failed batch.
func TestSource_NullTextColumns(t *testing.T) {
	_, db := testdb.New(t, "nulls")
	testdb.CreateFeUsers(t, db, testdb.Typo3Upgraded)
	testdb.MustExec(t, db, "ALTER TABLE fe_users MODIFY email varchar(255) NULL, MODIFY first_name varchar(50) NULL, MODIFY city varchar(50) NULL")
	testdb.MustExec(t, db, "INSERT INTO fe_users (pid, username, email, first_name, last_name, city) VALUES (1, 'nul', NULL, NULL, 'Huber', NULL)")
	src, err := typo3.New(db, typo3.Config{Name: "nulls", NumberLen: 9, HHLen: 7, PELen: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	accts, err := src.Sweep(t.Context(), 0, 10, time.Now())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if len(accts) != 1 || accts[0].LastName != "Huber" || accts[0].Email != "" {
		t.Errorf("accounts = %+v", accts)
	}
}
