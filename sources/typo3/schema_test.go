package typo3_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
)

func TestSource_MigrateAddsColumnsAndIndex(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustPortal(t, schema, typo3.Config{})

			err := p.src.Check(t.Context())
			if !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), "column tx_keysync_customer_number is missing; run `keysync migrate`") {
				t.Fatalf("Check before Migrate: %v, want ErrSchema naming the missing column", err)
			}

			stmts := mustMigrate(t, p.src)
			if got, want := len(stmts), 1; got != want {
				t.Fatalf("Migrate ran %d statements, want %d: %q", got, want, stmts)
			}
			const want = "ALTER TABLE `fe_users` ADD COLUMN `tx_keysync_customer_number` varchar(32) NOT NULL DEFAULT '', " +
				"ADD COLUMN `tx_keysync_wibisoft_hh_id` varchar(32) NOT NULL DEFAULT '', " +
				"ADD COLUMN `tx_keysync_wibisoft_pe_id` varchar(32) NOT NULL DEFAULT '', " +
				"ADD KEY tx_keysync_pending (`tx_keysync_customer_number`, deleted, disable), ADD KEY tx_keysync_changed (tstamp, uid)"
			if got := stmts[0]; got != want {
				t.Fatalf("Migrate statement=%q, want %q", got, want)
			}

			tableCollation := mustTableCollation(t, p.db)
			for _, name := range []string{typo3.DefaultNumberColumn, typo3.DefaultHHColumn, typo3.DefaultPEColumn} {
				c, ok := mustColumn(t, p.db, name)
				if !ok {
					t.Fatalf("column %s missing after Migrate", name)
				}
				if got, want := c.Type+" null="+c.Nullable, "varchar(32) null=NO"; got != want {
					t.Errorf("column %s=%q, want %q", name, got, want)
				}
				// The new columns compare like the rest of the table.
				if got, want := c.Collation, tableCollation; got != want {
					t.Errorf("column %s collation=%q, want the table's %q", name, got, want)
				}
			}
			if got, want := mustIndexColumns(t, p.db, typo3.PendingIndex), []string{typo3.DefaultNumberColumn, "deleted", "disable"}; !slices.Equal(got, want) {
				t.Errorf("index %s columns=%q, want %q", typo3.PendingIndex, got, want)
			}
			sc, err := p.src.Inspect(t.Context())
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if !p.src.HasPendingIndex(sc) {
				t.Errorf("HasPendingIndex=false after Migrate")
			}
			if got := p.src.Problems(sc); len(got) != 0 {
				t.Errorf("Problems=%q after Migrate, want none", got)
			}
			mustCheck(t, p.src)

			if again := mustMigrate(t, p.src); len(again) != 0 {
				t.Errorf("second Migrate ran %q, want nothing", again)
			}
		})
	}
}

func TestSource_MigrateConcurrent(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustPortal(t, schema, typo3.Config{})
			srcs := []*typo3.Source{p.src, mustOpen(t, p.dsn, typo3.Config{})}

			var wg sync.WaitGroup
			stmts := make([][]string, len(srcs))
			errs := make([]error, len(srcs))
			for i, src := range srcs {
				wg.Go(func() { stmts[i], errs[i] = src.Migrate(t.Context()) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Migrate %d: %v", i, err)
				}
			}
			// The named lock lets exactly one of them alter the table.
			if got, want := len(stmts[0])+len(stmts[1]), 1; got != want {
				t.Fatalf("statements run=%q and %q, want %d in all", stmts[0], stmts[1], want)
			}
			for _, src := range srcs {
				mustCheck(t, src)
			}
		})
	}
}

func TestSource_MigrateKeepsLegacyNumberColumn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, ddl, nullable string
	}{
		// sr_feuser_register's "Customer Number".
		{"sr_feuser_register", "varchar(50) NOT NULL DEFAULT ''", "NO"},
		{"nullable", "varchar(50) DEFAULT NULL", "YES"},
	}
	for _, schema := range schemas {
		for _, tc := range cases {
			t.Run(schema+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				cfg := typo3.Config{NumberColumn: "cnum"}
				p := mustPortal(t, schema, cfg)
				testdb.MustExec(t, p.db, "ALTER TABLE fe_users ADD cnum "+tc.ddl)
				ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
					{Username: "numbered", FirstName: "Anna", LastName: "Gruber"},
					{Username: "empty", FirstName: "Berta", LastName: "Huber"},
					{Username: "null", FirstName: "Carl", LastName: "Bauer"},
				})
				testdb.MustExec(t, p.db, "UPDATE fe_users SET cnum = '000000013' WHERE uid = ?", ids[0])
				if tc.nullable == "YES" {
					testdb.MustExec(t, p.db, "UPDATE fe_users SET cnum = NULL WHERE uid = ?", ids[2])
				}

				stmts := mustMigrate(t, p.src)
				if got, want := strings.Join(stmts, ";"), "ALTER TABLE `fe_users` ADD COLUMN `tx_keysync_wibisoft_hh_id` varchar(32) NOT NULL DEFAULT '', "+
					"ADD COLUMN `tx_keysync_wibisoft_pe_id` varchar(32) NOT NULL DEFAULT '', ADD KEY tx_keysync_pending (`cnum`, deleted, disable), ADD KEY tx_keysync_changed (tstamp, uid)"; got != want {
					t.Fatalf("Migrate=%q, want %q", got, want)
				}
				c, ok := mustColumn(t, p.db, "cnum")
				if !ok {
					t.Fatalf("legacy column cnum is gone")
				}
				if got, want := c.Type+" null="+c.Nullable, "varchar(50) null="+tc.nullable; got != want {
					t.Errorf("cnum=%q, want it unchanged %q", got, want)
				}
				if _, ok := mustColumn(t, p.db, typo3.DefaultNumberColumn); ok {
					t.Errorf("Migrate added %s beside the configured cnum", typo3.DefaultNumberColumn)
				}
				if got, want := mustIndexColumns(t, p.db, typo3.PendingIndex), []string{"cnum", "deleted", "disable"}; !slices.Equal(got, want) {
					t.Errorf("index %s columns=%q, want %q", typo3.PendingIndex, got, want)
				}
				mustCheck(t, p.src)
				if again := mustMigrate(t, p.src); len(again) != 0 {
					t.Errorf("second Migrate ran %q, want nothing", again)
				}

				swept := mustSweep(t, p.src, 0, 10)
				if got, want := len(swept), 3; got != want {
					t.Fatalf("Sweep returned %d rows, want %d", got, want)
				}
				if got, want := swept[0].Number, "000000013"; got != want {
					t.Errorf("Number of the legacy row=%q, want %q", got, want)
				}
				// NULL and '' both mean "no number yet".
				if got, want := uids(mustPending(t, p.src, 0, 10)), ids[1:]; !slices.Equal(got, want) {
					t.Errorf("Pending uids=%v, want %v", got, want)
				}
			})
		}
	}
}

// fixRE finds the statement an error message offers as the fix.
var fixRE = regexp.MustCompile(`ALTER TABLE [^;]+`)

func TestSource_RenamedColumnFailsLoudly(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			id := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{{Username: "anna", FirstName: "Anna", LastName: "Gruber"}})[0]
			mustKeysyncValues(t, p.db, id, "000000013", "0000001", "00000001")

			// What TYPO3's database analyzer does to a column no extension declares.
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users CHANGE tx_keysync_customer_number zzz_deleted_tx_keysync_customer_number varchar(32) NOT NULL DEFAULT ''")

			const fix = "ALTER TABLE `fe_users` CHANGE `zzz_deleted_tx_keysync_customer_number` `tx_keysync_customer_number` varchar(32) NOT NULL DEFAULT ''"
			err := p.src.Check(t.Context())
			if !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), fix) {
				t.Fatalf("Check=%v, want ErrSchema with the fix %q", err, fix)
			}
			stmts, err := p.src.Migrate(t.Context())
			if !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), fix) {
				t.Fatalf("Migrate=%v, want ErrSchema with the fix %q", err, fix)
			}
			if len(stmts) != 0 {
				t.Errorf("Migrate ran %q, want nothing", stmts)
			}
			if _, ok := mustColumn(t, p.db, typo3.DefaultNumberColumn); ok {
				t.Fatalf("Migrate created a fresh %s beside the renamed one", typo3.DefaultNumberColumn)
			}

			// The offered fix works and keeps the numbers.
			testdb.MustExec(t, p.db, fixRE.FindString(err.Error()))
			mustCheck(t, p.src)
			if got, want := mustRow(t, p.db, id).Number, "000000013"; got != want {
				t.Errorf("number after the fix=%q, want %q", got, want)
			}
			if again := mustMigrate(t, p.src); len(again) != 0 {
				t.Errorf("Migrate after the fix ran %q, want nothing", again)
			}
		})
	}
}

func TestSource_CheckReportsNarrowColumn(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			// A template that now prints 40 characters.
			wide := mustOpen(t, p.dsn, typo3.Config{NumberLen: 40, HHLen: hhLen, PELen: peLen})

			const msg = "column tx_keysync_customer_number holds 32 characters but values may have 40; widen it: ALTER TABLE `fe_users` MODIFY `tx_keysync_customer_number` varchar(40) NOT NULL DEFAULT ''"
			err := wide.Check(t.Context())
			if !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), msg) {
				t.Fatalf("Check=%v, want ErrSchema with %q", err, msg)
			}
			testdb.MustExec(t, p.db, fixRE.FindString(err.Error()))
			mustCheck(t, wide)
		})
	}
}

func TestSource_CheckMissingTable(t *testing.T) {
	t.Parallel()
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{})
	src := mustOpen(t, p.dsn, typo3.Config{Name: "amicas", Table: "fe_users_typo"})

	const msg = "table fe_users_typo does not exist in this database; check KEYSYNC_SOURCE_AMICAS_DSN and _TABLE"
	if err := src.Check(t.Context()); !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), msg) {
		t.Errorf("Check=%v, want ErrSchema with %q", err, msg)
	}
	if _, err := src.Migrate(t.Context()); !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), msg) {
		t.Errorf("Migrate=%v, want ErrSchema with %q", err, msg)
	}
}

func TestSource_CheckNotAnFeUsersTable(t *testing.T) {
	t.Parallel()
	p := mustMigrated(t, testdb.Typo3V13, typo3.Config{})
	testdb.MustExec(t, p.db, "ALTER TABLE fe_users DROP COLUMN first_name")

	const msg = "table fe_users has no column first_name; is it a TYPO3 fe_users table?"
	if err := p.src.Check(t.Context()); !errors.Is(err, typo3.ErrSchema) || !strings.Contains(err.Error(), msg) {
		t.Errorf("Check=%v, want ErrSchema with %q", err, msg)
	}
}

func TestSource_MigrateReplacesIndexOnOtherColumns(t *testing.T) {
	t.Parallel()
	p := mustMigrated(t, testdb.Typo3V13, typo3.Config{})
	// An index of that name that no longer leads with the number column.
	testdb.MustExec(t, p.db, "ALTER TABLE fe_users DROP INDEX tx_keysync_pending, ADD KEY tx_keysync_pending (deleted, disable)")

	stmts := mustMigrate(t, p.src)
	if got, want := strings.Join(stmts, ";"), "ALTER TABLE `fe_users` DROP INDEX tx_keysync_pending, ADD KEY tx_keysync_pending (`tx_keysync_customer_number`, deleted, disable)"; got != want {
		t.Fatalf("Migrate=%q, want %q", got, want)
	}
	if got, want := mustIndexColumns(t, p.db, typo3.PendingIndex), []string{typo3.DefaultNumberColumn, "deleted", "disable"}; !slices.Equal(got, want) {
		t.Errorf("index %s columns=%q, want %q", typo3.PendingIndex, got, want)
	}
}
