package typo3_test

import (
	"slices"
	"strings"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	"keysync/sync/reconcile"
)

// TestSource_Duplicates: numbers on more than one row, compared as the
// column's collation compares them (case and trailing spaces do not
// count), soft-deleted rows left out, paged by number, within the
// configured storage folders.
func TestSource_Duplicates(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			var users []testdb.FeUser
			for i, pid := range []uint64{1, 1, 1, 1, 5, 5, 1, 1} {
				users = append(users, testdb.FeUser{Pid: pid, Username: "u" + string(rune('a'+i)), FirstName: "Anna", LastName: "Gruber"})
			}
			uids := testdb.InsertFeUsers(t, p.db, users)
			for i, n := range []string{"D0001", "d0001 ", "D0002", "D0002", "D0003", "D0003", "D0003", "D0004"} {
				mustKeysyncValues(t, p.db, uids[i], n, "", "")
			}
			testdb.MustExec(t, p.db, "UPDATE fe_users SET deleted = 1 WHERE uid = ?", uids[3])

			dups := func(src *typo3.Source, after string, limit int) []reconcile.Duplicate {
				t.Helper()
				out, err := src.Duplicates(t.Context(), after, limit)
				if err != nil {
					t.Fatalf("Duplicates(%q, %d): %v", after, limit, err)
				}
				return out
			}
			check := func(name string, got []reconcile.Duplicate, want map[string][]uint64) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %+v, want %v", name, got, want)
				}
				for _, d := range got {
					ids := want[strings.ToUpper(strings.TrimSpace(d.Number))]
					if !slices.Equal(d.IDs, ids) || d.Rows != len(ids) {
						t.Errorf("%s: %q on rows %v (%d), want %v", name, d.Number, d.IDs, d.Rows, ids)
					}
				}
			}
			check("all", dups(p.src, "", 10), map[string][]uint64{"D0001": {uids[0], uids[1]}, "D0003": {uids[4], uids[5], uids[6]}})
			check("first page", dups(p.src, "", 1), map[string][]uint64{"D0001": {uids[0], uids[1]}})
			check("after D0001", dups(p.src, "D0001", 10), map[string][]uint64{"D0003": {uids[4], uids[5], uids[6]}})
			check("folder 5", dups(mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{5}}), "", 10), map[string][]uint64{"D0003": {uids[4], uids[5]}})
			check("folder 7", dups(mustOpen(t, p.dsn, typo3.Config{PIDs: []uint64{7}}), "", 10), nil)
		})
	}
}
