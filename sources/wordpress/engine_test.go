package wordpress_test

import (
	"context"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// TestEngine_WordPressMembers runs whole passes over a site with every
// kind of user: only members are numbered, roles and addresses reach the
// central store, and sign-ups are numbered once activated, also by a
// process started after the activation.
func TestEngine_WordPressMembers(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			s.mustInsert(t, members(s.multisite)...)
			// Max lives with Anna: same address and surname, one household.
			s.mustInsert(t,
				person(10, "Max", "Gruber", "max.gruber@aon.at", [2]string{"billing_address_1", "Hauptstr. 10 Stg. 4 Top 15"},
					[2]string{"billing_postcode", "1010"}, [2]string{"billing_city", "Wien"}, [2]string{"billing_country", "AT"}),
				user{ID: 11, Login: "bp2", Email: "bp2@aon.at", Status: 2, Meta: [][2]string{{"first_name", "Bernd"}, {"last_name", "Später"}}},
			)
			var signups string
			if s.multisite {
				testdb.MustExec(t, s.db, "INSERT INTO wpx_signups (domain, path, title, user_login, user_email, registered, activation_key, meta) VALUES ('', '', '', 'signup', 'signup@aon.at', '2025-05-01 08:00:00', 'abc', 'a:0:{}')")
				signups = signupsChecksum(t, s)
			}
			var logs logBuffer
			h := mustHub(t, logs.logger())
			src := s.open(t, wordpress.Config{Logger: logs.logger()})

			c := h.mustPass(t, src)
			// 1, 3, 4, 5, 7, 10 are new; 6 carries a free valid number.
			if c.Assigned != 6 || c.Adopted != 1 || c.Written != 6 || c.Errors != 0 {
				t.Fatalf("first pass counts=%+v", c)
			}
			// Whether relatives at one address are worth a review is the
			// matcher's business; nothing about these rows is a conflict.
			if n := h.count(t, "SELECT COUNT(*) FROM conflicts WHERE kind <> ?", keysync.ConflictSuspectedDuplicate); n != 0 {
				t.Errorf("%d conflicts other than suspected duplicates", n)
			}
			for _, id := range []uint64{1, 3, 4, 5, 7, 10} {
				m := s.keysyncMeta(t, id)
				num, _ := h.link(t, "blog", id)
				if m.Number == "" || m.Number != num || m.HH == "" || m.PE == "" {
					t.Errorf("member %d: meta %+v, central link %q", id, m, num)
				}
			}
			if got := s.keysyncMeta(t, 6); got.Number != " 000000013 " || got.HH != "0000900" || got.PE != "00000900" {
				t.Errorf("adopted member: meta %+v", got)
			}
			if a, m := s.keysyncMeta(t, 1), s.keysyncMeta(t, 10); a.HH != m.HH || a.Number == m.Number {
				t.Errorf("same address and surname: Anna %+v, Max %+v, want one household, two numbers", a, m)
			}
			if a, o := s.keysyncMeta(t, 1), s.keysyncMeta(t, 3); a.HH == o.HH {
				t.Errorf("other address, other household: Anna %+v, Otto %+v", a, o)
			}
			// Not members: untouched, unknown centrally.
			notMembers := []uint64{2, 11}
			if s.multisite {
				notMembers = append(notMembers, 8, 9)
			}
			for _, id := range notMembers {
				if got := s.keysyncMeta(t, id); got != (keysyncMeta{}) {
					t.Errorf("user %d is no member but has %+v", id, got)
				}
				if num, _ := h.link(t, "blog", id); num != "" {
					t.Errorf("user %d is no member but linked to %s", id, num)
				}
			}
			if s.multisite {
				if got := signupsChecksum(t, s); got != signups {
					t.Errorf("wpx_signups changed")
				}
				if n := h.count(t, "SELECT COUNT(*) FROM accounts WHERE email = 'signup@aon.at'"); n != 0 {
					t.Errorf("a pending sign-up was linked")
				}
			}

			// Roles are kept centrally; malformed ones are skipped with a
			// warning and the user is numbered all the same.
			wantGroups := `["subscriber"]`
			if s.multisite {
				wantGroups = `["subscriber","site2:editor"]`
			}
			if num, groups := h.link(t, "blog", 1); num == "" || groups != wantGroups {
				t.Errorf("Anna: linked to %q with groups %q, want %q", num, groups, wantGroups)
			}
			if num, groups := h.link(t, "blog", 5); num == "" || groups != "" {
				t.Errorf("malformed roles: linked to %q with groups %q, want a number and no groups", num, groups)
			}
			if w := logs.lines(t, "roles skipped: malformed capabilities"); len(w) == 0 || w[0][keysync.LogUID] != float64(5) {
				t.Errorf("malformed capabilities warnings=%v, want one naming uid 5", w)
			}
			var reg any
			if err := h.DB.QueryRow("SELECT registered_at FROM accounts WHERE source = 'blog' AND account_id = 3").Scan(&reg); err != nil || reg != nil {
				t.Errorf("zero date stored as %v (%v), want NULL", reg, err)
			}

			// BuddyPress activates user 2; the next pass of the same process
			// numbers it.
			testdb.MustExec(t, s.db, "UPDATE wpx_users SET user_status = 0 WHERE ID = 2")
			if c := h.mustPass(t, src); c.Assigned != 1 || c.Written != 1 {
				t.Errorf("pass after activation counts=%+v", c)
			}
			if got := s.keysyncMeta(t, 2); got.Number == "" {
				t.Errorf("activated user 2 not numbered: %+v", got)
			}

			// User 11 is activated while no keysync runs; a new process
			// numbers it.
			testdb.MustExec(t, s.db, "UPDATE wpx_users SET user_status = 0 WHERE ID = 11")
			next := s.open(t, wordpress.Config{})
			if c := h.mustPass(t, next); c.Assigned != 1 || c.Written != 1 {
				t.Errorf("pass of a new process counts=%+v", c)
			}
			if got := s.keysyncMeta(t, 11); got.Number == "" {
				t.Errorf("user 11 activated between processes not numbered: %+v", got)
			}
			if c := h.mustPass(t, next); c != (keysync.Counts{}) {
				t.Errorf("idle pass counts=%+v", c)
			}
			s.mustNoDuplicateMeta(t)
		})
	}
}

func signupsChecksum(tb testing.TB, s *site) string {
	tb.Helper()
	var table, sum string
	if err := s.db.QueryRow("CHECKSUM TABLE wpx_signups EXTENDED").Scan(&table, &sum); err != nil {
		tb.Fatal(err)
	}
	return sum
}

// racing is a source on which someone else writes the number meta between
// the engine's read and its write-back.
type racing struct {
	*wordpress.Source
	before func()
}

func (r racing) WriteBack(ctx context.Context, ws []keysync.Write) ([]keysync.Written, error) {
	r.before()
	return r.Source.WriteBack(ctx, ws)
}

// TestEngine_ExistingMetaIsNeverOverwritten: a value that is already in
// the number meta when keysync writes stays. It is a conflict only when it
// is not what keysync wanted; a valid free number present when the row is
// read is adopted.
func TestEngine_ExistingMetaIsNeverOverwritten(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// value is typed into the number meta before the read (read=true)
		// or between read and write-back; seq 1 is what keysync hands out.
		value     func(tb testing.TB, h *hub) string
		read      bool
		conflicts int
		adopted   int
	}{
		{name: "another value in between", value: func(testing.TB, *hub) string { return "ADMIN-7" }, conflicts: 1},
		{name: "the wanted number in between", value: func(tb testing.TB, h *hub) string { return h.Number(tb, 1) }},
		{name: "a free valid number before the read", value: func(tb testing.TB, h *hub) string { return h.Number(tb, 500) }, read: true, adopted: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, testdb.WordPressSingle)
			s.mustInsert(t, person(1, "Anna", "Gruber", "anna@gmx.at"))
			h := mustHub(t, nil)
			value := tc.value(t, h)
			if tc.read {
				s.mustMeta(t, 1, wordpress.DefaultNumberKey, value)
			}
			src := racing{Source: s.open(t, wordpress.Config{}), before: func() {
				if tc.read {
					return
				}
				// The engine writes from a goroutine of its own.
				if _, err := s.db.Exec("INSERT INTO wpx_usermeta (user_id, meta_key, meta_value) VALUES (1, ?, ?)", wordpress.DefaultNumberKey, value); err != nil {
					t.Errorf("insert meta in between: %v", err)
				}
			}}

			c := h.mustPass(t, src)
			if c.Conflicts != tc.conflicts || c.Adopted != tc.adopted {
				t.Errorf("counts=%+v, want %d conflicts, %d adopted", c, tc.conflicts, tc.adopted)
			}
			if got := s.metaRows(t, 1, wordpress.DefaultNumberKey); len(got) != 1 || got[0] != value {
				t.Errorf("number meta rows=%q, want only %q", got, value)
			}
			if m := s.keysyncMeta(t, 1); m.HH == "" || m.PE == "" {
				t.Errorf("Wibisoft ids not written: %+v", m)
			}
			var kinds []string
			rows, err := h.DB.Query("SELECT kind, value FROM conflicts WHERE source = 'blog' AND account_id = 1")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k, v string
				if err := rows.Scan(&k, &v); err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, k+"="+v)
			}
			rows.Close()
			if tc.conflicts == 1 {
				if len(kinds) != 1 || kinds[0] != string(keysync.ConflictWriteBack)+"="+value {
					t.Errorf("conflicts=%q, want one %s for %q", kinds, keysync.ConflictWriteBack, value)
				}
			} else if len(kinds) != 0 {
				t.Errorf("conflicts=%q, want none", kinds)
			}
			if tc.adopted == 1 {
				if num, _ := h.link(t, "blog", 1); num != value {
					t.Errorf("linked to %q, want the adopted %q", num, value)
				}
			}
		})
	}
}
