package testdb_test

import (
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"keysync/internal/testdb"
)

// fakeTB records what ServerDSN reports instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.fail(fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
}
func (f *fakeTB) Fatalf(format string, args ...any) { f.fail(fmt.Sprintf(format, args...)) }

// fail keeps the first fatal message: a real test would have stopped there.
func (f *fakeTB) fail(msg string) {
	if f.fatal == "" {
		f.fatal = msg
	}
}

func TestServerDSN_Missing(t *testing.T) {
	const msg = "no test database: run `make test` (starts a throwaway MariaDB) or set KEYSYNC_TEST_DSN=root@tcp(127.0.0.1:3306)/"
	t.Setenv("KEYSYNC_TEST_DSN", "")

	t.Setenv("CI", "true")
	var ci fakeTB
	testdb.ServerDSN(&ci)
	if ci.fatal != msg || ci.skipped != "" {
		t.Errorf("under CI: fatal=%q skipped=%q, want fatal %q", ci.fatal, ci.skipped, msg)
	}

	t.Setenv("CI", "")
	var local fakeTB
	testdb.ServerDSN(&local)
	if testing.Short() {
		if local.skipped != msg || local.fatal != "" {
			t.Errorf("with -short: skipped=%q fatal=%q, want skipped %q", local.skipped, local.fatal, msg)
		}
	} else if local.fatal != msg || local.skipped != "" {
		t.Errorf("fatal=%q skipped=%q, want fatal %q", local.fatal, local.skipped, msg)
	}
}

// TestInCI_NotABoolean: a CI value that is no boolean fails the test that
// asks, naming the value, for the database and for a missing tool alike;
// read as false it would skip what CI must run.
func TestInCI_NotABoolean(t *testing.T) {
	t.Setenv("KEYSYNC_TEST_DSN", "")
	t.Setenv("CI", "yes please")
	const want = `CI="yes please" is not a boolean`
	var db fakeTB
	testdb.ServerDSN(&db)
	if !strings.Contains(db.fatal, want) {
		t.Errorf("ServerDSN: fatal=%q skipped=%q, want fatal naming the value", db.fatal, db.skipped)
	}
	var tool fakeTB
	testdb.NeedTool(&tool, "keysync-no-such-tool", "keysync-no-such-package")
	if !strings.Contains(tool.fatal, want) {
		t.Errorf("NeedTool: fatal=%q skipped=%q, want fatal naming the value", tool.fatal, tool.skipped)
	}
	for _, v := range []string{"true", "1", "TRUE"} {
		t.Setenv("CI", v)
		var ok fakeTB
		if !testdb.InCI(&ok) || ok.fatal != "" {
			t.Errorf("CI=%s: InCI false or fatal %q", v, ok.fatal)
		}
	}
	for _, v := range []string{"", "false", "0"} {
		t.Setenv("CI", v)
		var ok fakeTB
		if testdb.InCI(&ok) || ok.fatal != "" {
			t.Errorf("CI=%q: InCI true or fatal %q", v, ok.fatal)
		}
	}
}

func TestServerDSN_Set(t *testing.T) {
	const dsn = "root@tcp(127.0.0.1:1)/"
	t.Setenv("KEYSYNC_TEST_DSN", dsn)
	var tb fakeTB
	if got := testdb.ServerDSN(&tb); got != dsn || tb.fatal != "" || tb.skipped != "" {
		t.Errorf("ServerDSN=%q fatal=%q skipped=%q, want %q", got, tb.fatal, tb.skipped, dsn)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	dsn, db := testdb.New(t, t.Name())

	var name, charset, collation string
	err := db.QueryRowContext(t.Context(), `SELECT s.SCHEMA_NAME, s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME
		FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = DATABASE()`).Scan(&name, &charset, &collation)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "ks_testnew_") {
		t.Errorf("database=%q, want prefix ks_testnew_", name)
	}
	if !strings.Contains(dsn, "/"+name+"?") || !strings.Contains(dsn, "charset=utf8mb4") {
		t.Errorf("dsn=%q, want database %s and charset=utf8mb4", dsn, name)
	}
	if got, want := charset+"/"+collation, "utf8mb4/utf8mb4_unicode_ci"; got != want {
		t.Errorf("database charset/collation=%q, want %q", got, want)
	}

	// The DSN works on its own.
	other, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var got string
	if err := other.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != name {
		t.Errorf("DATABASE()=%q via dsn, want %q", got, name)
	}
}

func TestNewWithCollation(t *testing.T) {
	t.Parallel()
	_, db := testdb.NewWithCollation(t, "collation", "utf8mb3", "utf8mb3_general_ci")
	var collation string
	if err := db.QueryRowContext(t.Context(), "SELECT @@collation_database").Scan(&collation); err != nil {
		t.Fatal(err)
	}
	if got, want := collation, "utf8mb3_general_ci"; got != want {
		t.Errorf("collation_database=%q, want %q", got, want)
	}
}

func TestNew_DroppedAfterTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		_, db := testdb.New(t, "dropped")
		if err := db.QueryRowContext(t.Context(), "SELECT DATABASE()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	admin, err := sql.Open("mysql", testdb.ServerDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after its test", name)
	}
}

func TestCreateFeUsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema    string
		collation string
		present   []string
		absent    []string
		usergroup string // column type
	}{
		{testdb.Typo3V13, "utf8mb4_unicode_ci", []string{"mfa", "felogin_forgotHash"}, []string{"TSconfig", "cruser_id", "lockToDomain"}, "varchar(512)"},
		{testdb.Typo3V12, "utf8mb4_unicode_ci", []string{"TSconfig"}, []string{"cruser_id", "lockToDomain"}, "text"},
		{testdb.Typo3Upgraded, "utf8mb3_general_ci", []string{"TSconfig", "cruser_id", "lockToDomain"}, nil, "text"},
		{testdb.Typo3Femanager, "utf8mb4_unicode_ci", []string{"gender", "date_of_birth", "tx_femanager_confirmedbyuser"}, []string{"TSconfig"}, "varchar(512)"},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			t.Parallel()
			_, db := testdb.New(t, tt.schema)
			testdb.CreateFeUsers(t, db, tt.schema)

			for _, table := range []string{"fe_users", "fe_groups"} {
				var collation string
				err := db.QueryRowContext(t.Context(), `SELECT TABLE_COLLATION FROM information_schema.TABLES
					WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table).Scan(&collation)
				if err != nil {
					t.Fatalf("%s: %v", table, err)
				}
				if collation != tt.collation {
					t.Errorf("%s collation=%q, want %q", table, collation, tt.collation)
				}
			}
			cols := columns(t, db, "fe_users")
			for _, c := range tt.present {
				if _, ok := cols[c]; !ok {
					t.Errorf("fe_users lacks %s", c)
				}
			}
			for _, c := range tt.absent {
				if _, ok := cols[c]; ok {
					t.Errorf("fe_users has %s, want it absent in %s", c, tt.schema)
				}
			}
			if got := cols["usergroup"]; got != tt.usergroup {
				t.Errorf("usergroup type=%q, want %q", got, tt.usergroup)
			}

			users := testdb.GenerateFeUsers(1, 2000)
			uids := testdb.InsertFeUsers(t, db, users)
			if got, want := len(uids), len(users); got != want {
				t.Fatalf("got %d uids, want %d", got, want)
			}
			var n int
			if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM fe_users").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != len(users) {
				t.Errorf("fe_users has %d rows, want %d", n, len(users))
			}
			// Every row reads back as written, umlauts included, under its uid.
			femanager := tt.schema == testdb.Typo3Femanager
			for _, i := range []int{0, 1, 999, 1000, 1999} {
				got := readFeUser(t, db, uids[i], femanager)
				want := users[i]
				want.UID = uids[i]
				if !femanager {
					want.DateOfBirth, want.Gender = 0, 0
				}
				if got != want {
					t.Errorf("row %d (uid %d):\n got %+v\nwant %+v", i, uids[i], got, want)
				}
			}
		})
	}
}

func TestInsertFeUsers_ExplicitAndAutoUIDs(t *testing.T) {
	t.Parallel()
	_, db := testdb.New(t, "uids")
	testdb.CreateFeUsers(t, db, testdb.Typo3V13)

	users := testdb.GenerateFeUsers(7, 6)
	users[2].UID = 500
	users[3].UID = 501
	uids := testdb.InsertFeUsers(t, db, users)
	if want := []uint64{1, 2, 500, 501, 502, 503}; !reflect.DeepEqual(uids, want) {
		t.Fatalf("uids=%v, want %v", uids, want)
	}
	for i, uid := range uids {
		var username string
		if err := db.QueryRowContext(t.Context(), "SELECT username FROM fe_users WHERE uid = ?", uid).Scan(&username); err != nil {
			t.Fatalf("uid %d: %v", uid, err)
		}
		if username != users[i].Username {
			t.Errorf("uid %d username=%q, want %q", uid, username, users[i].Username)
		}
	}
}

func TestCreateWordPress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema  string
		tables  []string
		spam    bool
		signups bool
	}{
		{testdb.WordPressSingle, []string{"wpx_usermeta", "wpx_users"}, false, false},
		{testdb.WordPressMultisite, []string{"wpx_signups", "wpx_usermeta", "wpx_users"}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.schema, func(t *testing.T) {
			t.Parallel()
			_, db := testdb.New(t, tt.schema)
			var mode string
			if err := db.QueryRowContext(t.Context(), "SELECT @@SESSION.sql_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			testdb.CreateWordPress(t, db, tt.schema, "wpx_")

			rows, err := db.QueryContext(t.Context(), `SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES
				WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var tables []string
			for rows.Next() {
				var name, collation string
				if err := rows.Scan(&name, &collation); err != nil {
					t.Fatal(err)
				}
				tables = append(tables, name)
				if collation != "utf8mb4_unicode_520_ci" {
					t.Errorf("%s collation=%q, want utf8mb4_unicode_520_ci", name, collation)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tables, tt.tables) {
				t.Errorf("tables=%v, want %v", tables, tt.tables)
			}
			cols := columns(t, db, "wpx_users")
			_, spam := cols["spam"]
			_, deleted := cols["deleted"]
			if spam != tt.spam || deleted != tt.spam {
				t.Errorf("spam/deleted present=%v/%v, want %v", spam, deleted, tt.spam)
			}
			if got := cols["user_registered"]; got != "datetime" {
				t.Errorf("user_registered type=%q, want datetime", got)
			}

			// A row relying on the zero-date default reads back as written.
			testdb.MustExec(t, db, "INSERT INTO wpx_users (user_login, user_email) VALUES (?, ?)", "jürgen", "juergen@gmx.at")
			var registered string
			if err := db.QueryRowContext(t.Context(), "SELECT user_registered FROM wpx_users WHERE user_login = ?", "jürgen").Scan(&registered); err != nil {
				t.Fatal(err)
			}
			if registered != "0000-00-00 00:00:00" {
				t.Errorf("user_registered=%q, want the zero date", registered)
			}

			// The pool's connections keep the server's sql_mode.
			for range 3 {
				var after string
				if err := db.QueryRowContext(t.Context(), "SELECT @@SESSION.sql_mode").Scan(&after); err != nil {
					t.Fatal(err)
				}
				if after != mode {
					t.Fatalf("sql_mode=%q after CreateWordPress, want %q", after, mode)
				}
			}
		})
	}
}

func TestGenerateFeUsers(t *testing.T) {
	t.Parallel()
	const n = 20000
	users := testdb.GenerateFeUsers(1, n)
	if len(users) != n {
		t.Fatalf("len=%d, want %d", len(users), n)
	}
	if again := testdb.GenerateFeUsers(1, n); !reflect.DeepEqual(users, again) {
		t.Error("same seed gave different users")
	}
	if other := testdb.GenerateFeUsers(2, n); reflect.DeepEqual(users[:10], other[:10]) {
		t.Error("different seeds gave the same users")
	}

	usernames := map[string]bool{}
	emails := map[string]bool{}
	var noEmail, umlauts, titled int
	countries := map[string]bool{}
	for i, u := range users {
		if u.Username == "" || u.FirstName == "" || u.LastName == "" || u.Password == "" ||
			u.Address == "" || u.Zip == "" || u.City == "" {
			t.Fatalf("user %d has an empty required field: %+v", i, u)
		}
		if u.Deleted != 0 || u.Disable != 0 || u.UID != 0 {
			t.Fatalf("user %d: deleted=%d disable=%d uid=%d, want 0", i, u.Deleted, u.Disable, u.UID)
		}
		if u.Crdate <= 0 || u.Tstamp < u.Crdate {
			t.Fatalf("user %d: crdate=%d tstamp=%d", i, u.Crdate, u.Tstamp)
		}
		if i > 0 && u.Crdate < users[i-1].Crdate {
			t.Fatalf("user %d: crdate %d before the previous %d", i, u.Crdate, users[i-1].Crdate)
		}
		key := strings.ToLower(u.Username)
		if usernames[key] {
			t.Fatalf("user %d: username %q not unique", i, u.Username)
		}
		usernames[key] = true
		if u.Email == "" {
			noEmail++
		} else {
			key := strings.ToLower(u.Email)
			if emails[key] {
				t.Fatalf("user %d: e-mail %q not unique", i, u.Email)
			}
			emails[key] = true
			if !isASCII(u.Email) || strings.Count(u.Email, "@") != 1 {
				t.Errorf("user %d: e-mail %q", i, u.Email)
			}
		}
		if strings.ContainsAny(u.FirstName+u.LastName, "äöüÄÖÜß") {
			umlauts++
		}
		if u.Title != "" {
			titled++
		}
		countries[u.Country] = true
		for _, s := range []struct {
			v   string
			max int
		}{{u.Username, 255}, {u.FirstName, 50}, {u.LastName, 50}, {u.Name, 160}, {u.Title, 40},
			{u.Address, 255}, {u.Zip, 10}, {u.City, 50}, {u.Country, 40}, {u.Email, 255}} {
			if utf8.RuneCountInString(s.v) > s.max {
				t.Errorf("user %d: %q longer than %d", i, s.v, s.max)
			}
		}
	}
	for _, c := range []string{"AT", "Österreich", "Austria", "DE", "Deutschland", ""} {
		if !countries[c] {
			t.Errorf("no user with country %q", c)
		}
	}
	if noEmail == 0 || noEmail > n/20 {
		t.Errorf("%d users without e-mail, want a few", noEmail)
	}
	if umlauts < n/20 {
		t.Errorf("%d users with umlauts in their names, want more", umlauts)
	}
	if titled == 0 {
		t.Error("no user with a title")
	}
}

func BenchmarkGenerateFeUsers(b *testing.B) {
	for b.Loop() {
		testdb.GenerateFeUsers(1, 100000)
	}
}

// columns returns the column types of a table.
func columns(t *testing.T, db *sql.DB, table string) map[string]string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		cols[name] = typ
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}

func readFeUser(t *testing.T, db *sql.DB, uid uint64, femanager bool) testdb.FeUser {
	t.Helper()
	var u testdb.FeUser
	extra := ", 0, 0"
	if femanager {
		extra = ", date_of_birth, gender"
	}
	err := db.QueryRowContext(t.Context(), `SELECT uid, pid, username, password, email, first_name, last_name, name,
		title, address, zip, city, country, COALESCE(usergroup, ''), telephone, company, deleted, disable, starttime, endtime, crdate, tstamp`+extra+`
		FROM fe_users WHERE uid = ?`, uid).Scan(&u.UID, &u.Pid, &u.Username, &u.Password, &u.Email, &u.FirstName,
		&u.LastName, &u.Name, &u.Title, &u.Address, &u.Zip, &u.City, &u.Country, &u.Usergroup, &u.Telephone, &u.Company, &u.Deleted,
		&u.Disable, &u.Starttime, &u.Endtime, &u.Crdate, &u.Tstamp, &u.DateOfBirth, &u.Gender)
	if err != nil {
		t.Fatalf("read uid %d: %v", uid, err)
	}
	return u
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
