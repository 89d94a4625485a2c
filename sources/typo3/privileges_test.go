package typo3_test

import (
	"strings"
	"testing"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
	"keysync/sources/typo3"
)

// TestBacklog counts exactly the rows Pending returns, with and without
// the poll index and with a storage folder filter.
func TestBacklog(t *testing.T) {
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			p := mustMigrated(t, schema, typo3.Config{})
			day := now.Unix() - 86400
			testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
				{Username: "waiting", Pid: 1},
				{Username: "waiting2", Pid: 2},
				{Username: "opt-in", Pid: 1, Disable: 1},
				{Username: "deleted", Pid: 1, Deleted: 1},
				{Username: "later", Pid: 1, Starttime: now.Unix() + 86400},
				{Username: "expired", Pid: 1, Endtime: day},
				{Username: "until tomorrow", Pid: 1, Endtime: now.Unix() + 86400},
				{Username: "numbered", Pid: 1},
			})
			mustKeysyncValues(t, p.db, 8, "000000013", "", "")
			mustBacklog := func(src *typo3.Source, want int64) {
				t.Helper()
				n, err := src.Backlog(t.Context(), now)
				if err != nil {
					t.Fatalf("Backlog: %v", err)
				}
				if n != want {
					t.Errorf("Backlog = %d, want %d", n, want)
				}
				mustCheck(t, src)
				if pending := int64(len(mustPending(t, src, 0, 100))); pending != n {
					t.Errorf("Backlog = %d but Pending returns %d rows", n, pending)
				}
			}
			mustBacklog(p.src, 3)
			mustBacklog(mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{2}}), 1)
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users DROP INDEX "+typo3.PendingIndex)
			mustBacklog(mustOpen(t, p.dsn, typo3.Config{}), 3)
		})
	}
}

// TestBacklog_BeforeMigrate: no number column, no count, and the error
// says what to do.
func TestBacklog_BeforeMigrate(t *testing.T) {
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{})
	_, err := p.src.Backlog(t.Context(), now)
	if err == nil || !strings.Contains(err.Error(), "keysync migrate") {
		t.Errorf("Backlog before migrate: %v", err)
	}
}

// findings maps check to the findings of that check.
func findings(t *testing.T, src *typo3.Source) map[string][]sqlutil.Finding {
	t.Helper()
	fs, err := src.Diagnose(t.Context())
	if err != nil {
		t.Fatalf("Diagnose: %v", err)
	}
	out := map[string][]sqlutil.Finding{}
	for _, f := range fs {
		out[f.Check] = append(out[f.Check], f)
	}
	return out
}

// TestDiagnose walks a portal through the problems doctor reports and
// applies each printed fix, until everything is ok again.
func TestDiagnose(t *testing.T) {
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			p := mustPortal(t, schema, typo3.Config{})

			// Before migrate: three missing columns and no index.
			got := findings(t, p.src)
			if n := len(got["schema"]); n != 3 {
				t.Fatalf("schema findings before migrate: %+v", got["schema"])
			}
			for _, f := range got["schema"] {
				if f.Status != sqlutil.StatusFail || !strings.Contains(f.Detail, "is missing") || !strings.Contains(f.Fix, "keysync migrate") {
					t.Errorf("before migrate: %+v", f)
				}
			}
			if f := got["index"][0]; f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "ADD KEY tx_keysync_pending (`tx_keysync_customer_number`, deleted, disable)") {
				t.Errorf("index before migrate: %+v", f)
			}
			if f := got["index"][1]; f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "ADD KEY tx_keysync_changed (tstamp, uid)") {
				t.Errorf("change index before migrate: %+v", f)
			}

			mustMigrate(t, p.src)
			got = findings(t, p.src)
			if f := got["schema"]; len(f) != 1 || f[0].Status != sqlutil.StatusOK {
				t.Errorf("schema after migrate: %+v", f)
			}
			if f := got["index"]; len(f) != 2 || f[0].Status != sqlutil.StatusOK || f[1].Status != sqlutil.StatusOK {
				t.Errorf("index after migrate: %+v", f)
			}

			// TYPO3's analyzer renames the column: doctor prints the statement
			// that renames it back, and that statement works.
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users CHANGE tx_keysync_customer_number zzz_deleted_tx_keysync_customer_number varchar(32) NOT NULL DEFAULT ''")
			got = findings(t, p.src)
			f := got["schema"][0]
			const fix = "ALTER TABLE `fe_users` CHANGE `zzz_deleted_tx_keysync_customer_number` `tx_keysync_customer_number` varchar(32) NOT NULL DEFAULT ''"
			if f.Status != sqlutil.StatusFail || !strings.Contains(f.Detail, "zzz_deleted_tx_keysync_customer_number") || !strings.HasPrefix(f.Fix, fix+";") {
				t.Fatalf("after the rename: %+v", f)
			}
			if f := got["index"][0]; f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "rename the column back") {
				t.Errorf("index after the rename: %+v", f)
			}
			stmt, _, _ := strings.Cut(f.Fix, ";")
			testdb.MustExec(t, p.db, stmt)

			// The index is dropped: the fix names migrate and its statement.
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users DROP INDEX "+typo3.PendingIndex)
			got = findings(t, p.src)
			if f := got["index"][0]; f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "keysync migrate") {
				t.Errorf("index dropped: %+v", f)
			}
			// The index exists under its name but over the wrong columns.
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users ADD KEY "+typo3.PendingIndex+" (deleted)")
			if f := findings(t, p.src)["index"][0]; f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "DROP INDEX "+typo3.PendingIndex) {
				t.Errorf("index on other columns: %+v", f)
			}
			mustMigrate(t, p.src)

			// A column narrower than the values keysync writes.
			testdb.MustExec(t, p.db, "ALTER TABLE fe_users MODIFY tx_keysync_wibisoft_pe_id varchar(4) NOT NULL DEFAULT ''")
			f = findings(t, p.src)["schema"][0]
			if f.Status != sqlutil.StatusFail || !strings.Contains(f.Fix, "MODIFY `tx_keysync_wibisoft_pe_id` varchar(32)") {
				t.Fatalf("narrow column: %+v", f)
			}
			testdb.MustExec(t, p.db, f.Fix)
			for check, fs := range findings(t, p.src) {
				for _, f := range fs {
					if f.Status != sqlutil.StatusOK {
						t.Errorf("%s after every fix: %+v", check, f)
					}
				}
			}
		})
	}
}

// TestDiagnose_NoTable: a wrong table name is one finding naming the
// variables to check.
func TestDiagnose_NoTable(t *testing.T) {
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{})
	src := mustOpen(t, p.dsn, typo3.Config{Table: "fe_user"})
	fs, err := src.Diagnose(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Status != sqlutil.StatusFail || !strings.Contains(fs[0].Fix, "KEYSYNC_SOURCE_AMICAS_TABLE") {
		t.Errorf("findings: %+v", fs)
	}
}

// TestRequirements: column grants for reading and for keysync's columns,
// ALTER only for migrate, and configured names are used.
func TestRequirements(t *testing.T) {
	src := mustOpen(t, "u:p@tcp(db.invalid:3306)/typo3", typo3.Config{Table: "fe_members", NumberColumn: "cnum"})
	var got []string
	for _, r := range src.Requirements() {
		s := r.Grant("typo3", "'keysync'@'localhost'")
		if r.MigrateOnly {
			s = "migrate: " + s
		}
		got = append(got, s)
	}
	want := []string{
		"GRANT SELECT (uid, pid, deleted, disable, starttime, endtime, crdate, tstamp, username, email, first_name, last_name, name, title, address, zip, city, country, usergroup, telephone, company) ON `typo3`.`fe_members` TO 'keysync'@'localhost';",
		"GRANT SELECT (date_of_birth, gender) ON `typo3`.`fe_members` TO 'keysync'@'localhost';",
		"GRANT SELECT (cnum, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id), UPDATE (cnum, tx_keysync_wibisoft_hh_id, tx_keysync_wibisoft_pe_id) ON `typo3`.`fe_members` TO 'keysync'@'localhost';",
		"GRANT SELECT (uid, title) ON `typo3`.`fe_groups` TO 'keysync'@'localhost';",
		"migrate: GRANT ALTER ON `typo3`.`fe_members` TO 'keysync'@'localhost';",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("grants:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
