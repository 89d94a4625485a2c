package typo3_test

import (
	"reflect"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

func TestSource_WriteBack(t *testing.T) {
	t.Parallel()
	const tstamp = 1700000000
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, schema, typo3.Config{})
			u := func(name string) testdb.FeUser {
				return testdb.FeUser{Pid: 5, Username: name, FirstName: name, LastName: "Gruber", Tstamp: tstamp}
			}
			ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{u("empty"), u("admin"), u("gone"), u("ids"), u("blank")})
			empty, admin, gone, idsOnly, blank := ids[0], ids[1], ids[2], ids[3], ids[4]
			// Between read and write-back: an admin types a number, a row
			// is removed, a row holds only blanks, which count as empty
			// (README, guarantee 2): MariaDB's PAD SPACE makes ' ' = ''.
			mustKeysyncValues(t, p.db, admin, "ADMIN-1", "", "")
			testdb.MustExec(t, p.db, "DELETE FROM fe_users WHERE uid = ?", gone)
			mustKeysyncValues(t, p.db, blank, " ", "", "")

			writes := []keysync.Write{
				{ID: empty, Number: "000000013", HH: "0000001", PE: "00000001"},
				{ID: admin, Number: "000000021", HH: "0000002", PE: "00000002"},
				{ID: gone, Number: "000000037", HH: "0000003", PE: "00000003"},
				{ID: idsOnly, HH: "0000004", PE: "00000004"},
				{ID: blank, Number: "000000045"},
			}
			got, err := p.src.WriteBack(t.Context(), writes)
			if err != nil {
				t.Fatalf("WriteBack: %v", err)
			}
			want := []keysync.Written{
				{ID: empty, Found: true, Number: "000000013", HH: "0000001", PE: "00000001"},
				// The admin's value stays and is reported; the empty columns are filled.
				{ID: admin, Found: true, Number: "ADMIN-1", HH: "0000002", PE: "00000002"},
				{ID: gone},
				{ID: idsOnly, Found: true, HH: "0000004", PE: "00000004"},
				{ID: blank, Found: true, Number: "000000045"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Written:\n got %+v\nwant %+v", got, want)
			}
			for _, w := range want {
				if !w.Found {
					continue
				}
				if got, want := mustRow(t, p.db, w.ID), (row{w.Number, w.HH, w.PE, tstamp}); got != want {
					t.Errorf("row %d=%+v, want %+v (tstamp untouched)", w.ID, got, want)
				}
			}

			// Compare-and-set: a second write with other values changes nothing.
			again := []keysync.Write{{ID: empty, Number: "000000059", HH: "0000009", PE: "00000009"}}
			got, err = p.src.WriteBack(t.Context(), again)
			if err != nil {
				t.Fatalf("second WriteBack: %v", err)
			}
			if want := []keysync.Written{want[0]}; !reflect.DeepEqual(got, want) {
				t.Errorf("second WriteBack=%+v, want %+v", got, want)
			}
			if got, want := mustRow(t, p.db, empty), (row{"000000013", "0000001", "00000001", tstamp}); got != want {
				t.Errorf("row after second WriteBack=%+v, want %+v", got, want)
			}
		})
	}
}

func TestSource_WriteBackNullableLegacyColumn(t *testing.T) {
	t.Parallel()
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{NumberColumn: "cnum"})
	testdb.MustExec(t, p.db, "ALTER TABLE fe_users ADD cnum varchar(50) DEFAULT NULL")
	id := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{{Username: "anna", FirstName: "Anna", LastName: "Gruber"}})[0]
	testdb.MustExec(t, p.db, "UPDATE fe_users SET cnum = NULL WHERE uid = ?", id)
	mustMigrate(t, p.src)
	mustCheck(t, p.src)

	got, err := p.src.WriteBack(t.Context(), []keysync.Write{{ID: id, Number: "000000013"}})
	if err != nil {
		t.Fatalf("WriteBack: %v", err)
	}
	if want := []keysync.Written{{ID: id, Found: true, Number: "000000013"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Written=%+v, want %+v (NULL counts as empty)", got, want)
	}
}
