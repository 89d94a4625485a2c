package wordpress_test

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

func TestSource_CheckDetectsMultisite(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			src := s.open(t, wordpress.Config{})
			if got, want := src.Multisite(), s.multisite; got != want {
				t.Errorf("Multisite()=%v, want %v", got, want)
			}
			var coll string
			q := "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
			if err := s.db.QueryRow(q, s.usermeta).Scan(&coll); err != nil {
				t.Fatal(err)
			}
			if coll != wpCollation {
				t.Errorf("usermeta collation=%q, want %q", coll, wpCollation)
			}
		})
	}
}

func TestSource_CheckCustomTables(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressMultisite)
	// CUSTOM_USER_TABLE and CUSTOM_USER_META_TABLE: shared user tables of
	// several installs under names of their own.
	testdb.MustExec(t, s.db, "RENAME TABLE wpx_users TO members, wpx_usermeta TO members_meta")
	s.users, s.usermeta = "members", "members_meta"
	s.mustInsert(t, person(1, "Anna", "Gruber", "anna@gmx.at", [2]string{"wpx_capabilities", `a:1:{s:10:"subscriber";b:1;}`}))

	src := s.open(t, wordpress.Config{UsersTable: "members", UsermetaTable: "members_meta"})
	if !src.Multisite() {
		t.Errorf("Multisite()=false on a renamed multisite users table")
	}
	got := mustSweep(t, src, 0, 10)
	if len(got) != 1 || got[0].FirstName != "Anna" || !slices.Equal(got[0].Groups, []string{"subscriber"}) {
		t.Fatalf("Sweep on custom tables=%+v", got)
	}
	ws, err := src.WriteBack(t.Context(), []keysync.Write{{ID: 1, Number: "000000013", HH: "0000001", PE: "00000001"}})
	if err != nil {
		t.Fatalf("WriteBack: %v", err)
	}
	if want := []keysync.Written{{ID: 1, Found: true, Number: "000000013", HH: "0000001", PE: "00000001"}}; !reflect.DeepEqual(ws, want) {
		t.Errorf("WriteBack=%+v, want %+v", ws, want)
	}
	if got := s.keysyncMeta(t, 1); got != (keysyncMeta{"000000013", "0000001", "00000001"}) {
		t.Errorf("meta in members_meta=%+v", got)
	}
}

func TestSource_CheckNamesVariablesToFix(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressSingle)
	cases := []struct {
		name    string
		cfg     wordpress.Config
		missing []string
		drop    string
	}{
		{name: "default prefix on a wpx_ site", cfg: wordpress.Config{TablePrefix: "wp_"}, missing: []string{"wp_users.id", "wp_usermeta.meta_key"}},
		{name: "users table renamed away", cfg: wordpress.Config{UsersTable: "members"}, missing: []string{"members.user_email"}},
		{name: "usermeta table missing", cfg: wordpress.Config{UsermetaTable: "wpx_members_meta"}, missing: []string{"wpx_members_meta.umeta_id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := s.openUnchecked(t, tc.cfg)
			err := src.Check(t.Context())
			if !errors.Is(err, keysync.ErrSchema) {
				t.Fatalf("Check=%v, want an error wrapping keysync.ErrSchema", err)
			}
			msg := err.Error()
			for _, want := range append(tc.missing, "KEYSYNC_SOURCE_BLOG_TABLE_PREFIX", "KEYSYNC_SOURCE_BLOG_USERS_TABLE", "KEYSYNC_SOURCE_BLOG_USERMETA_TABLE") {
				if !strings.Contains(msg, want) {
					t.Errorf("Check error %q does not name %s", msg, want)
				}
			}
		})
	}

	t.Run("column missing", func(t *testing.T) {
		t.Parallel()
		o := mustSite(t, testdb.WordPressSingle)
		testdb.MustExec(t, o.db, "ALTER TABLE wpx_users DROP COLUMN user_status")
		err := o.openUnchecked(t, wordpress.Config{}).Check(t.Context())
		if !errors.Is(err, keysync.ErrSchema) || !strings.Contains(err.Error(), "wpx_users.user_status") {
			t.Fatalf("Check=%v, want ErrSchema naming wpx_users.user_status", err)
		}
	})
}

func TestNew_RefusesBadIdentifiers(t *testing.T) {
	t.Parallel()
	for _, cfg := range []wordpress.Config{
		{TablePrefix: "wp-"},
		{UsersTable: "users; DROP TABLE x"},
		{UsermetaTable: "meta`"},
		{NumberKey: "number key"},
		{HHKey: "1hh"},
		{PEKey: strings.Repeat("p", 65)},
	} {
		cfg.Name = "blog"
		if _, err := wordpress.New(nil, cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad identifier", cfg)
		}
	}
}

// members are users of every state a WordPress site has; spam and deleted
// only exist on multisite.
func members(multisite bool) []user {
	caps := func(role string) string { return `a:1:{s:` + strconv.Itoa(len(role)) + `:"` + role + `";b:1;}` }
	us := []user{
		person(1, "Anna", "Gruber", "Anna.Gruber@GMX.at",
			[2]string{"billing_address_1", "Hauptstraße 10/4/15"}, [2]string{"billing_postcode", "1010"},
			[2]string{"billing_city", "Wien"}, [2]string{"billing_country", "AT"},
			[2]string{prefix + "capabilities", caps("subscriber")},
			[2]string{prefix + "2_capabilities", caps("editor")},
			[2]string{prefix + "user_level", "0"},
			[2]string{"wp_capabilities", caps("administrator")}, // another install in the same database
			[2]string{"nickname", "anni"}),
		// A BuddyPress sign-up that waits for activation.
		{ID: 2, Login: "bp", Email: "bp@aon.at", Status: 2, Meta: [][2]string{{"first_name", "Berta"}, {"last_name", "Pending"}}},
		// An old import with WordPress's zero date.
		{ID: 3, Login: "old", Email: "old@aon.at", Registered: "0000-00-00 00:00:00", Meta: [][2]string{{"first_name", "Otto"}, {"last_name", "Alt"}}},
		// Names twice: the first row counts, as for get_user_meta.
		{ID: 4, Login: "twice", Email: "twice@aon.at", Meta: [][2]string{{"first_name", " Theo "}, {"first_name", "Other"}, {"last_name", "Zwei"}}},
		// Roles that do not parse.
		{ID: 5, Login: "broken", Email: "broken@aon.at", Meta: [][2]string{{"first_name", "Bruno"}, {"last_name", "Kaputt"}, {prefix + "capabilities", `a:1:{s:10:"subscriber"`}}},
		// A number typed in by an admin, with blanks around it.
		{ID: 6, Login: "numbered", Email: "n@aon.at", Meta: [][2]string{{"first_name", "Nina"}, {"last_name", "Nummer"},
			{wordpress.DefaultNumberKey, " 000000013 "}, {wordpress.DefaultHHKey, "0000900"}, {wordpress.DefaultPEKey, "00000900"}}},
		// No meta at all.
		{ID: 7, Login: "bare", Email: "bare@aon.at"},
	}
	if multisite {
		us = append(us,
			user{ID: 8, Login: "spammer", Email: "spam@example.com", Spam: 1},
			user{ID: 9, Login: "removed", Email: "removed@aon.at", Deleted: 1, Meta: [][2]string{{"first_name", "Rita"}, {"last_name", "Weg"}}},
		)
	}
	return us
}

func TestSource_SweepReadsMembers(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			s.mustInsert(t, members(s.multisite)...)
			var logs logBuffer
			src := s.open(t, wordpress.Config{Logger: logs.logger()})

			got := mustSweep(t, src, 0, 100)
			reg := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
			annaGroups := []string{"subscriber"}
			if s.multisite {
				annaGroups = []string{"subscriber", "site2:editor"}
			}
			want := []keysync.Account{
				{Source: "blog", ID: 1, Active: true, Username: "anna.gruber", Email: "Anna.Gruber@GMX.at", FirstName: "Anna", LastName: "Gruber",
					Street: "Hauptstraße 10/4/15", Zip: "1010", City: "Wien", Country: "AT", Groups: annaGroups, Registered: reg},
				{Source: "blog", ID: 2, Username: "bp", Email: "bp@aon.at", FirstName: "Berta", LastName: "Pending", Registered: reg},
				{Source: "blog", ID: 3, Active: true, Username: "old", Email: "old@aon.at", FirstName: "Otto", LastName: "Alt"},
				{Source: "blog", ID: 4, Active: true, Username: "twice", Email: "twice@aon.at", FirstName: "Theo", LastName: "Zwei", Registered: reg},
				{Source: "blog", ID: 5, Active: true, Username: "broken", Email: "broken@aon.at", FirstName: "Bruno", LastName: "Kaputt", Registered: reg},
				{Source: "blog", ID: 6, Active: true, Username: "numbered", Email: "n@aon.at", FirstName: "Nina", LastName: "Nummer", Registered: reg,
					Number: "000000013", HH: "0000900", PE: "00000900"},
				{Source: "blog", ID: 7, Active: true, Username: "bare", Email: "bare@aon.at", Registered: reg},
			}
			if s.multisite {
				want = append(want,
					keysync.Account{Source: "blog", ID: 8, Username: "spammer", Email: "spam@example.com", Registered: reg},
					keysync.Account{Source: "blog", ID: 9, Deleted: true, Username: "removed", Email: "removed@aon.at", FirstName: "Rita", LastName: "Weg", Registered: reg},
				)
			}
			if len(got) != len(want) {
				t.Fatalf("Sweep returned %d accounts, want %d: %+v", len(got), len(want), got)
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("account %d:\n got %+v\nwant %+v", want[i].ID, got[i], want[i])
				}
			}

			warns := logs.lines(t, "roles skipped: malformed capabilities")
			if len(warns) != 1 {
				t.Fatalf("malformed capabilities logged %d times, want once", len(warns))
			}
			if w := warns[0]; w["level"] != "WARN" || w[keysync.LogUID] != float64(5) || w["meta_key"] != prefix+"capabilities" || w[keysync.LogSource] != "blog" {
				t.Errorf("warning=%v, want WARN naming uid 5 and the key", w)
			}

			// Pages, and reading by id.
			if got, want := ids(mustSweep(t, src, 2, 3)), []uint64{3, 4, 5}; !slices.Equal(got, want) {
				t.Errorf("Sweep(2, 3) ids=%v, want %v", got, want)
			}
			if got := mustSweep(t, src, uint64(len(want)), 10); len(got) != 0 {
				t.Errorf("Sweep after the last id=%+v, want none", got)
			}
			accts, err := src.Accounts(t.Context(), []uint64{6, 1, 404}, now)
			if err != nil {
				t.Fatalf("Accounts: %v", err)
			}
			if got := ids(accts); !slices.Equal(got, []uint64{1, 6}) || !reflect.DeepEqual(accts[0], want[0]) {
				t.Errorf("Accounts(6, 1, 404)=%+v", accts)
			}
			if accts, err := src.Accounts(t.Context(), nil, now); err != nil || accts != nil {
				t.Errorf("Accounts(nil)=%v, %v", accts, err)
			}
		})
	}
}

// TestSource_ZeroDatesUnderStrictMode reads WordPress's zero date through
// a session in TRADITIONAL mode, the strictest a server is configured with.
func TestSource_ZeroDatesUnderStrictMode(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressSingle)
	s.mustInsert(t, user{ID: 1, Login: "zero", Email: "z@aon.at", Registered: "0000-00-00 00:00:00"})
	cfg, err := mysql.ParseDSN(s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["sql_mode"] = "'TRADITIONAL'"
	strict := *s
	strict.dsn = cfg.FormatDSN()
	src := strict.open(t, wordpress.Config{})

	got := mustSweep(t, src, 0, 10)
	if len(got) != 1 || !got[0].Registered.IsZero() || !got[0].Active {
		t.Fatalf("zero date user=%+v", got)
	}
	var raw string
	if err := s.db.QueryRow("SELECT CAST(user_registered AS CHAR) FROM wpx_users WHERE ID = 1").Scan(&raw); err != nil || raw != "0000-00-00 00:00:00" {
		t.Fatalf("fixture: user_registered=%q, %v", raw, err)
	}
	if _, err := src.WriteBack(t.Context(), []keysync.Write{{ID: 1, Number: "000000013"}}); err != nil {
		t.Errorf("WriteBack for a zero-date user: %v", err)
	}
}

func TestSource_PendingWaitsForActivation(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			s.mustInsert(t, members(s.multisite)...)
			src := s.open(t, wordpress.Config{})
			mustSweep(t, src, 0, 100)

			// Active users without a number; the BuddyPress sign-up, spam and
			// deleted users wait, the numbered one is done.
			active := []uint64{1, 3, 4, 5, 7}
			if got := ids(mustPending(t, src, 0, 100)); !slices.Equal(got, active) {
				t.Fatalf("Pending ids=%v, want %v", got, active)
			}
			if got := ids(mustPending(t, src, 3, 2)); !slices.Equal(got, []uint64{4, 5}) {
				t.Errorf("Pending(3, 2) ids=%v, want [4 5]", got)
			}

			// BuddyPress activates: user_status goes to 0.
			testdb.MustExec(t, s.db, "UPDATE wpx_users SET user_status = 0 WHERE ID = 2")
			want := []uint64{1, 2, 3, 4, 5, 7}
			if s.multisite {
				testdb.MustExec(t, s.db, "UPDATE wpx_users SET spam = 0 WHERE ID = 8")
				want = []uint64{1, 2, 3, 4, 5, 7, 8}
			}
			got := mustPending(t, src, 0, 100)
			if !slices.Equal(ids(got), want) {
				t.Fatalf("Pending after activation ids=%v, want %v", ids(got), want)
			}
			for _, a := range got {
				if !a.Active || a.Number != "" {
					t.Errorf("pending %d: Active=%v Number=%q", a.ID, a.Active, a.Number)
				}
			}
			if b := byID(got)[2]; b.FirstName != "Berta" || b.LastName != "Pending" {
				t.Errorf("activated user read as %+v", b)
			}

			// A process started after the activation finds it too: the
			// waiting set is not only in memory.
			fresh := s.open(t, wordpress.Config{})
			if got := ids(mustPending(t, fresh, 0, 100)); !slices.Equal(got, want) {
				t.Errorf("Pending of a new process ids=%v, want %v", got, want)
			}

			// Numbered and removed users are forgotten.
			s.mustMeta(t, 2, wordpress.DefaultNumberKey, "000000021")
			testdb.MustExec(t, s.db, "DELETE FROM wpx_users WHERE ID = 1")
			want = slices.DeleteFunc(want, func(id uint64) bool { return id == 1 || id == 2 })
			for _, p := range []*wordpress.Source{src, fresh} {
				if got := ids(mustPending(t, p, 0, 100)); !slices.Equal(got, want) {
					t.Errorf("Pending after numbering and removal ids=%v, want %v", got, want)
				}
			}
		})
	}
}

// TestSource_PendingSignupsUntouched: a multisite sign-up that waits for
// e-mail confirmation has no user row yet, so keysync never sees it.
func TestSource_PendingSignupsUntouched(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressMultisite)
	testdb.MustExec(t, s.db, "INSERT INTO wpx_signups (domain, path, title, user_login, user_email, registered, activation_key, meta) VALUES ('', '', '', 'signup', 'signup@aon.at', '2025-05-01 08:00:00', 'abc', 'a:0:{}')")
	s.mustInsert(t, person(1, "Anna", "Gruber", "anna@gmx.at"))
	src := s.open(t, wordpress.Config{})
	if got := ids(mustSweep(t, src, 0, 100)); !slices.Equal(got, []uint64{1}) {
		t.Errorf("Sweep ids=%v, want only the user", got)
	}
	if got := ids(mustPending(t, src, 0, 100)); !slices.Equal(got, []uint64{1}) {
		t.Errorf("Pending ids=%v, want only the user", got)
	}
}
