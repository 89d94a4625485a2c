package wordpress_test

import (
	"strings"
	"testing"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
	"keysync/sources/wordpress"
)

// TestBacklog counts active users without a (non-blank) number; on
// multisite spam and deleted users are not members.
func TestBacklog(t *testing.T) {
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			s := mustSite(t, schema)
			s.mustInsert(t,
				person(1, "Anna", "Gruber", "anna@example.at"),
				person(2, "Bert", "Huber", "bert@example.at", [2]string{wordpress.DefaultNumberKey, "000000013"}),
				person(3, "Carla", "Wagner", "carla@example.at", [2]string{wordpress.DefaultNumberKey, "  "}),
				user{ID: 4, Login: "pending", Email: "p@example.at", Status: 2},
			)
			want := int64(2) // Anna, and Carla with a blank value
			if s.multisite {
				s.mustInsert(t,
					user{ID: 5, Login: "spammer", Email: "s@example.at", Spam: 1},
					user{ID: 6, Login: "gone", Email: "g@example.at", Deleted: 1},
				)
			}
			// A source that was never checked counts all the same: Backlog
			// runs beside the poll loop and detects multisite itself.
			src := s.openUnchecked(t, wordpress.Config{})
			n, err := src.Backlog(t.Context(), now)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("Backlog = %d, want %d", n, want)
			}
		})
	}
}

// TestDiagnose_WordPress: the tables and the usermeta index, each problem
// with its fix.
func TestDiagnose_WordPress(t *testing.T) {
	s := mustSite(t, testdb.WordPressMultisite)
	src := s.open(t, wordpress.Config{})
	fs, err := src.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[1].Status != sqlutil.StatusFail || !strings.Contains(fs[1].Fix, "keysync migrate") {
		t.Errorf("site without the change table: %+v", fs)
	}
	if _, err := src.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	fs, err = src.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].Status != sqlutil.StatusOK || !strings.Contains(fs[0].Detail, "multisite") || fs[1].Status != sqlutil.StatusOK || fs[2].Status != sqlutil.StatusOK {
		t.Errorf("healthy site: %+v", fs)
	}

	testdb.MustExec(t, s.db, "ALTER TABLE "+s.usermeta+" DROP INDEX user_id")
	fs, err = src.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if f := fs[2]; f.Status != sqlutil.StatusFail || f.Fix != "ALTER TABLE `wpx_usermeta` ADD KEY user_id (user_id);" {
		t.Fatalf("no user_id index: %+v", f)
	}
	testdb.MustExec(t, s.db, fs[2].Fix)

	wrong := s.openUnchecked(t, wordpress.Config{TablePrefix: "wp_"})
	fs, err = wrong.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Status != sqlutil.StatusFail || !strings.Contains(fs[0].Detail, "KEYSYNC_SOURCE_BLOG_TABLE_PREFIX") {
		t.Errorf("wrong prefix: %+v", fs)
	}
}

// TestRequirements_WordPress: SELECT on users, SELECT/INSERT/UPDATE on
// usermeta, under the configured names.
func TestRequirements_WordPress(t *testing.T) {
	src, err := wordpress.New(nil, wordpress.Config{Name: "blog", UsersTable: "members", TablePrefix: "wpx_"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range src.Requirements() {
		g := r.Grant("wp", "'keysync'@'%'")
		if r.MigrateOnly {
			g = "migrate: " + g
		}
		got = append(got, g)
	}
	want := "GRANT SELECT ON `wp`.`members` TO 'keysync'@'%';\nGRANT SELECT, INSERT, UPDATE ON `wp`.`wpx_usermeta` TO 'keysync'@'%';\n" +
		"GRANT SELECT, DELETE ON `wp`.`wpx_keysync_changes` TO 'keysync'@'%';\nmigrate: GRANT CREATE ON `wp`.`wpx_keysync_changes` TO 'keysync'@'%';"
	if strings.Join(got, "\n") != want {
		t.Errorf("grants:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
