package main

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
)

// addWordPress adds a single-site WordPress portal with the wp_ prefix to
// the site and returns its pool. It is not in s.portals, whose helpers read
// fe_users.
func (s *site) addWordPress(name string) *sql.DB {
	s.t.Helper()
	dsn, db := testdb.NewWithCollation(s.t, name, "utf8mb4", "utf8mb4_unicode_520_ci")
	testdb.CreateWordPress(s.t, db, testdb.WordPressSingle, "wp_")
	s.addSource(name, "wordpress", dsn)
	return db
}

// addSource adds a source of the kind on the database of dsn to the
// site's environment, with the country AT.
func (s *site) addSource(name, kind, dsn string) {
	up := strings.ToUpper(name)
	for i, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "KEYSYNC_SOURCES="); ok {
			s.env[i] = "KEYSYNC_SOURCES=" + v + "," + name
		}
	}
	s.env = append(s.env, "KEYSYNC_SOURCE_"+up+"_KIND="+kind, "KEYSYNC_SOURCE_"+up+"_DSN="+dsn, "KEYSYNC_SOURCE_"+up+"_COUNTRY=AT")
}

// insertWPUsers registers n WordPress users named after prefix, each with
// first and last name meta.
func insertWPUsers(t testing.TB, db *sql.DB, prefix string, n int) {
	t.Helper()
	for i := range n {
		login := fmt.Sprintf("%s%d", prefix, i)
		res, err := db.ExecContext(t.Context(), `INSERT INTO wp_users (user_login, user_email, user_registered, display_name) VALUES (?, ?, ?, ?)`,
			login, login+"@example.at", "2025-05-01 10:00:00", login)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		testdb.MustExec(t, db, `INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES (?, 'first_name', ?), (?, 'last_name', ?)`,
			id, "Vorname"+login, id, "Nachname"+login)
	}
}

// wpUnnumbered counts WordPress users without a customer number.
func wpUnnumbered(t testing.TB, db *sql.DB) int {
	t.Helper()
	return scalar[int](t, db, `SELECT COUNT(*) FROM wp_users u WHERE NOT EXISTS
(SELECT 1 FROM wp_usermeta m WHERE m.user_id = u.ID AND m.meta_key = 'keysync_customer_number' AND m.meta_value <> '')`)
}

// typo3Unnumbered counts confirmed TYPO3 rows without a number.
func typo3Unnumbered(t testing.TB, db *sql.DB) int {
	t.Helper()
	return scalar[int](t, db, `SELECT COUNT(*) FROM fe_users WHERE tx_keysync_customer_number = '' AND deleted = 0 AND disable = 0`)
}

// limitedUser creates a MariaDB account for the test and drops it when the
// test ends. It returns name and password.
func limitedUser(t testing.TB, admin *sql.DB) (user, password string) {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	user, password = "ksg_"+hex.EncodeToString(b[:3]), "Pw-"+hex.EncodeToString(b[3:])
	testdb.MustExec(t, admin, fmt.Sprintf("CREATE USER '%s'@'%%' IDENTIFIED BY '%s'", user, password))
	t.Cleanup(func() { _, _ = admin.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%%'", user)) })
	return user, password
}

// execGrants runs, as admin, every statement of `keysync grants` output
// and returns how many it ran. Statements naming a column or a table that
// does not exist yet (before migrate) are returned instead of failing the
// test.
func execGrants(t testing.TB, admin *sql.DB, out string) (ran int, later []string) {
	t.Helper()
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		_, err := admin.ExecContext(t.Context(), line)
		var me *mysql.MySQLError
		switch {
		case errors.As(err, &me) && (me.Number == 1054 || me.Number == 1146):
			later = append(later, line)
		case err != nil:
			t.Fatalf("%s: %v", line, err)
		default:
			ran++
		}
	}
	return ran, later
}

// asUser returns env with every DSN logging in as user instead.
func asUser(t testing.TB, env []string, user, password string) []string {
	t.Helper()
	out := make([]string, len(env))
	for i, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasSuffix(k, "_DSN") {
			v = withUser(t, v, user, password)
		}
		out[i] = k + "=" + v
	}
	return out
}

func withUser(t testing.TB, dsn, user, password string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, password
	return cfg.FormatDSN()
}

// envValue returns the value of key in env.
func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// openAs opens a pool on dsn as user.
func openAs(t testing.TB, dsn, user, password string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", withUser(t, dsn, user, password))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mustDeny runs q and fails unless the server refuses it for lack of a
// privilege (1142 table, 1143 column).
func mustDeny(t testing.TB, db *sql.DB, q string) {
	t.Helper()
	_, err := db.ExecContext(t.Context(), q)
	var me *mysql.MySQLError
	if !errors.As(err, &me) || (me.Number != 1142 && me.Number != 1143) {
		t.Errorf("%s: err %v, want a privilege error", q, err)
	}
}

// TestGrants_DaemonRunsWithExactlyThesePrivileges: an account holding
// exactly what `keysync grants --migrate=false` prints runs `keysync once`
// and the daemon on a TYPO3 and a WordPress portal, numbers new
// registrations on both, passes doctor, and cannot write outside keysync's
// columns. migrate runs as root.
func TestGrants_DaemonRunsWithExactlyThesePrivileges(t *testing.T) {
	s := newSite(t, "amicas="+testdb.Typo3Femanager)
	wp := s.addWordPress("blog")
	user, password := limitedUser(t, s.central)

	out := s.mustRun(0, "grants", "--user", user, "--host", "%", "--migrate=false").stdout
	for _, want := range []string{
		"GRANT SELECT, INSERT, UPDATE, DELETE ON `",
		"GRANT SELECT (uid, pid, deleted, disable, starttime, endtime, crdate, tstamp, username, email, first_name, last_name, name, title, address, zip, city, country, usergroup, telephone, company) ON `",
		"GRANT SELECT (date_of_birth, gender) ON `",
		"GRANT SELECT (tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id), UPDATE (tx_keysync_customer_number, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id) ON `",
		"GRANT SELECT (uid, title) ON `",
		"`.`wp_users` TO `" + user + "`@`%`;",
		"GRANT SELECT, INSERT, UPDATE ON `",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("grants output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ALTER") || strings.Contains(out, "CREATE,") {
		t.Errorf("--migrate=false still prints migrate's privileges:\n%s", out)
	}
	s.mustRun(0, "migrate") // as root: ALTER is migrate's alone
	if n, later := execGrants(t, s.central, out); n != 8 || len(later) != 0 {
		t.Fatalf("ran %d GRANT statements, want 8; failed %q:\n%s", n, later, out)
	}
	s.insertUsers("amicas", 7, 15)
	insertWPUsers(t, wp, "first", 10)

	limited := asUser(t, s.env, user, password)
	if r := s.run(limited, "once"); r.code != 0 {
		t.Fatalf("once as %s: exit %d\n%s\n%s", user, r.code, r.stdout, r.stderr)
	}
	if n := typo3Unnumbered(t, s.portals["amicas"]); n != 0 {
		t.Errorf("TYPO3: %d confirmed rows without a number after once", n)
	}
	if n := wpUnnumbered(t, wp); n != 0 {
		t.Errorf("WordPress: %d users without a number after once", n)
	}

	d := s.startDaemon(limited)
	d.waitLog("keysync starting", 30*time.Second)
	s.insertUsers("amicas", 8, 5)
	insertWPUsers(t, wp, "later", 5)
	eventually(t, 60*time.Second, "the daemon to number the new registrations", func() bool {
		return typo3Unnumbered(t, s.portals["amicas"]) == 0 && wpUnnumbered(t, wp) == 0
	})
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exit %d:\n%s", code, d.logs.String())
	}
	if strings.Contains(d.logs.String(), "denied") {
		t.Errorf("the daemon met a privilege error:\n%s", d.logs.String())
	}
	s.assertConsistent(true)

	// Everything outside keysync's columns is refused.
	portal := openAs(t, envValue(s.env, "KEYSYNC_SOURCE_AMICAS_DSN"), user, password)
	mustDeny(t, portal, `UPDATE fe_users SET username = 'mallory' WHERE uid = 1`)
	mustDeny(t, portal, `UPDATE fe_users SET tstamp = 0`)
	mustDeny(t, portal, `UPDATE fe_users SET password = ''`)
	mustDeny(t, portal, `SELECT password FROM fe_users`)
	mustDeny(t, portal, `DELETE FROM fe_users`)
	mustDeny(t, portal, `ALTER TABLE fe_users ADD COLUMN x int`)
	mustDeny(t, portal, `UPDATE fe_groups SET title = 'x'`)
	if _, err := portal.Exec(`UPDATE fe_users SET tx_keysync_wibisoft_hh_id = tx_keysync_wibisoft_hh_id WHERE uid = 0`); err != nil {
		t.Errorf("keysync's own column: %v", err)
	}
	blog := openAs(t, envValue(s.env, "KEYSYNC_SOURCE_BLOG_DSN"), user, password)
	mustDeny(t, blog, `UPDATE wp_users SET user_pass = ''`)
	mustDeny(t, blog, `DELETE FROM wp_usermeta`)
	centralDB := openAs(t, envValue(s.env, "KEYSYNC_CENTRAL_DSN"), user, password)
	mustDeny(t, centralDB, `DROP TABLE persons`)
	mustDeny(t, centralDB, `ALTER TABLE persons ADD COLUMN x int`)

	// doctor agrees: everything needed, nothing more.
	r := s.run(limited, "doctor", "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	if r.code != 0 || rep.Fail != 0 {
		t.Errorf("doctor as %s: exit %d, %d failures:\n%s", user, r.code, rep.Fail, r.stdout)
	}
	for _, f := range rep.Findings {
		if f.Check == "privileges" && f.Status != "ok" {
			t.Errorf("doctor: %s %s: %s", f.Target, f.Status, f.Detail)
		}
	}

	// One column grant less, and doctor names the statement that restores it.
	testdb.MustExec(t, s.central, fmt.Sprintf("REVOKE UPDATE (tx_keysync_wibisoft_pe_id) ON `%s`.fe_users FROM '%s'@'%%'",
		scalar[string](t, s.portals["amicas"], "SELECT DATABASE()"), user))
	r = s.run(limited, "doctor")
	fix := fmt.Sprintf("GRANT UPDATE (tx_keysync_wibisoft_pe_id) ON `%s`.`fe_users` TO `%s`@`%%`;", scalar[string](t, s.portals["amicas"], "SELECT DATABASE()"), user)
	if r.code != 1 || !strings.Contains(r.stdout, fix) {
		t.Fatalf("doctor without UPDATE on the pe column: exit %d, want 1 and %q:\n%s", r.code, fix, r.stdout)
	}
	testdb.MustExec(t, s.central, fix)
	if r := s.run(limited, "doctor"); r.code != 0 {
		t.Errorf("doctor after the fix: exit %d\n%s", r.code, r.stdout)
	}
}

// TestGrants_MigrateNeedsOnlyPrintedGrants: with the migrate-only grants
// added, the same account can also run `keysync migrate` on fresh
// databases: ALTER suffices on MariaDB, INDEX is not needed.
func TestGrants_MigrateNeedsOnlyPrintedGrants(t *testing.T) {
	s := newSite(t, "amicas="+testdb.Typo3Femanager)
	s.addWordPress("blog")
	user, password := limitedUser(t, s.central)
	out := s.mustRun(0, "grants", "--user", user, "--host", "%").stdout
	if !strings.Contains(out, "-- only for keysync migrate") || !strings.Contains(out, "GRANT ALTER ON `") {
		t.Fatalf("grants lacks migrate's privileges:\n%s", out)
	}
	// Before migrate, only the grants on keysync's own columns and on the
	// WordPress change table fail; they run after migrate created them.
	_, later := execGrants(t, s.central, out)
	if len(later) != 2 || !strings.Contains(later[0], "UPDATE (tx_keysync_customer_number") || !strings.Contains(later[1], "keysync_changes") {
		t.Fatalf("statements refused before migrate: %q", later)
	}
	limited := asUser(t, s.env, user, password)
	if r := s.run(limited, "migrate"); r.code != 0 {
		t.Fatalf("migrate as %s: exit %d\n%s\n%s", user, r.code, r.stdout, r.stderr)
	}
	for _, g := range later {
		testdb.MustExec(t, s.central, g)
	}
	if r := s.run(limited, "migrate"); r.code != 0 || !strings.Contains(r.stdout, "amicas: columns and indexes present") {
		t.Fatalf("second migrate as %s: exit %d\n%s\n%s", user, r.code, r.stdout, r.stderr)
	}
	s.insertUsers("amicas", 3, 5)
	if r := s.run(limited, "once"); r.code != 0 {
		t.Fatalf("once as %s: exit %d\n%s", user, r.code, r.stderr)
	}
	if n := typo3Unnumbered(t, s.portals["amicas"]); n != 0 {
		t.Errorf("%d rows without a number", n)
	}
}

// TestGrants_UserAndHost: the account is quoted, and nothing connects.
func TestGrants_UserAndHost(t *testing.T) {
	code, out, errOut := runMain(t, []string{
		"KEYSYNC_CENTRAL_DSN=keysync:Secret1@tcp(db.invalid:3306)/central",
		"KEYSYNC_SOURCES=amicas,blog",
		"KEYSYNC_SOURCE_AMICAS_KIND=typo3",
		"KEYSYNC_SOURCE_AMICAS_DSN=portal:Secret2@tcp(db.invalid:3306)/typo3",
		"KEYSYNC_SOURCE_AMICAS_NUMBER_COLUMN=cnum",
		"KEYSYNC_SOURCE_BLOG_KIND=wordpress",
		"KEYSYNC_SOURCE_BLOG_DSN=wp:Secret3@tcp(db.invalid:3306)/wordpress",
		"KEYSYNC_SOURCE_BLOG_TABLE_PREFIX=wpx_",
	}, "grants", "--user", "o'brien", "--host", "10.0.0.%")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"GRANT SELECT, INSERT, UPDATE, DELETE ON `central`.* TO `o'brien`@`10.0.0.%`;",
		"GRANT CREATE, ALTER, INDEX ON `central`.* TO `o'brien`@`10.0.0.%`;",
		"UPDATE (cnum, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id) ON `typo3`.`fe_users` TO",
		"GRANT ALTER ON `typo3`.`fe_users` TO",
		"GRANT SELECT ON `wordpress`.`wpx_users` TO",
		"GRANT SELECT, INSERT, UPDATE ON `wordpress`.`wpx_usermeta` TO",
		"UPDATE)", // says why usermeta needs UPDATE
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Secret") {
		t.Errorf("password in output:\n%s", out)
	}
}

// TestGrants_QuotingUnderNoBackslashEscapes: the statements name an account
// whose name holds a quote and a backslash correctly both in the default
// sql_mode and under NO_BACKSLASH_ESCAPES, where a backslash escape in a
// string literal (as grants used to print) names another account or is a
// syntax error.
func TestGrants_QuotingUnderNoBackslashEscapes(t *testing.T) {
	s := newSite(t, "amicas="+testdb.Typo3Femanager)
	s.mustRun(0, "migrate")
	for _, mode := range []string{"STRICT_ALL_TABLES", "STRICT_ALL_TABLES,NO_BACKSLASH_ESCAPES"} {
		t.Run(mode, func(t *testing.T) {
			var b [3]byte
			_, _ = rand.Read(b[:])
			user := "ks'g\\" + hex.EncodeToString(b[:])
			account := "`" + user + "`@`%`"
			testdb.MustExec(t, s.central, "CREATE USER "+account+" IDENTIFIED BY 'x'")
			t.Cleanup(func() { _, _ = s.central.Exec("DROP USER IF EXISTS " + account) })
			out := s.mustRun(0, "grants", "--user", user, "--host", "%").stdout
			conn, err := s.central.Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(t.Context(), "SET SESSION sql_mode = ?", mode); err != nil {
				t.Fatal(err)
			}
			ran := 0
			for line := range strings.Lines(out) {
				if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "--") {
					continue
				}
				if _, err := conn.ExecContext(t.Context(), line); err != nil {
					t.Fatalf("%s: %v", line, err)
				}
				ran++
			}
			grants := 0
			rows, err := s.central.QueryContext(t.Context(), "SHOW GRANTS FOR "+account)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var g string
				if err := rows.Scan(&g); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(g, "GRANT USAGE") {
					grants++
				}
			}
			if ran == 0 || grants < 3 {
				t.Errorf("ran %d statements; the account holds %d grants, want the central and TYPO3 ones:\n%s", ran, grants, out)
			}
		})
	}
}
