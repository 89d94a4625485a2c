package typo3_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

func mustVienna(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// TestSource_FemanagerFields: the columns femanager adds reach the account
// as the vocabulary has them. date_of_birth is midnight in Vienna, read in
// Vienna and by the nearest midnight; gender 1 is Frau; femanager's
// alpha-3 country is alpha-2; telephone and company are phone and company.
func TestSource_FemanagerFields(t *testing.T) {
	t.Parallel()
	vienna := mustVienna(t)
	born := time.Date(1961, 3, 31, 0, 0, 0, 0, vienna) // winter time, UTC+1
	summer := time.Date(1980, 7, 1, 0, 0, 0, 0, vienna)
	for _, loc := range []*time.Location{vienna, nil} {
		t.Run(map[bool]string{true: "zone given", false: "nearest midnight"}[loc != nil], func(t *testing.T) {
			t.Parallel()
			p := mustMigrated(t, testdb.Typo3Femanager, typo3.Config{Location: loc})
			ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
				{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Mustermann", Email: "erika@example.at", Title: "Dr.",
					Address: "Heidestraße 17", Zip: "51147", City: "Köln", Country: "DEU", Telephone: "+49 221 1234567", Company: "Beispiel GmbH",
					DateOfBirth: born.Unix(), Gender: 1, Tstamp: now.Unix() - 60},
				{Pid: 5, Username: "max", FirstName: "Max", LastName: "Mustermann", DateOfBirth: summer.Unix(), Gender: 0},
				{Pid: 5, Username: "kim", FirstName: "Kim", LastName: "Berger", Gender: 2},
			})
			got := mustSweep(t, p.src, 0, 10)
			want := []keysync.Account{
				{Source: "amicas", ID: ids[0], Active: true, Username: "erika", Salutation: "Frau", Email: "erika@example.at",
					FirstName: "Erika", LastName: "Mustermann", Title: "Dr.", BirthDate: "1961-03-31", Street: "Heidestraße 17",
					Zip: "51147", City: "Köln", Country: "DE", Phone: "+49 221 1234567", Company: "Beispiel GmbH",
					Changed: time.Unix(now.Unix()-60, 0).UTC()},
				{Source: "amicas", ID: ids[1], Active: true, Username: "max", Salutation: "Herr", FirstName: "Max", LastName: "Mustermann", BirthDate: "1980-07-01"},
				// 2 (diverse) has no salutation; 0 = not set is no birth date.
				{Source: "amicas", ID: ids[2], Active: true, Username: "kim", FirstName: "Kim", LastName: "Berger"},
			}
			if len(got) != len(want) {
				t.Fatalf("Sweep returned %d rows, want %d", len(got), len(want))
			}
			for i := range want {
				if !equalAccounts(got[i], want[i]) {
					t.Errorf("account %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

// equalAccounts compares accounts without their groups, which the TYPO3
// fixtures leave empty.
func equalAccounts(a, b keysync.Account) bool {
	a.Groups, b.Groups = nil, nil
	return a.Source == b.Source && a.ID == b.ID && a.Active == b.Active && a.Deleted == b.Deleted &&
		a.Username == b.Username && a.Salutation == b.Salutation && a.Email == b.Email && a.FirstName == b.FirstName &&
		a.LastName == b.LastName && a.Title == b.Title && a.BirthDate == b.BirthDate && a.Street == b.Street &&
		a.Zip == b.Zip && a.City == b.City && a.Country == b.Country && a.Phone == b.Phone && a.Mobile == b.Mobile &&
		a.Company == b.Company && a.Changed.Equal(b.Changed) && a.Number == b.Number && a.HH == b.HH && a.PE == b.PE
}

// TestSource_BadFieldValues: a birth date of 0 or in the future (far or
// tomorrow; before 1900 does not fit femanager's int(11)) and a gender code without a salutation leave the field unknown with
// a DEBUG line naming the source, the row and the field; the row and the
// others are read as usual.
func TestSource_BadFieldValues(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := mustMigrated(t, testdb.Typo3Femanager, typo3.Config{Logger: log})
	vienna := mustVienna(t)
	ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
		{Pid: 5, Username: "zero", FirstName: "Anna", LastName: "Gruber", DateOfBirth: 0, Gender: 1},
		{Pid: 5, Username: "future", FirstName: "Berta", LastName: "Gruber", DateOfBirth: time.Date(2037, 12, 31, 0, 0, 0, 0, vienna).Unix(), Gender: 7},
		{Pid: 5, Username: "tomorrow", FirstName: "Cilli", LastName: "Gruber", DateOfBirth: time.Date(2025, 6, 2, 0, 0, 0, 0, vienna).Unix(), Gender: 1},
		{Pid: 5, Username: "fine", FirstName: "Dora", LastName: "Gruber", DateOfBirth: time.Date(1970, 1, 2, 0, 0, 0, 0, vienna).Unix(), Gender: 1},
	})
	got := mustSweep(t, p.src, 0, 10)
	if len(got) != 4 {
		t.Fatalf("Sweep returned %d rows, want 4", len(got))
	}
	for i, a := range got[:3] {
		if a.BirthDate != "" || a.FirstName == "" {
			t.Errorf("row %d: birth date %q, first name %q; want unknown and the row read", i, a.BirthDate, a.FirstName)
		}
	}
	if got[1].Salutation != "" || got[0].Salutation != "Frau" {
		t.Errorf("salutations %q, %q; want unknown for code 7, Frau for 1", got[1].Salutation, got[0].Salutation)
	}
	if got[3].BirthDate != "1970-01-02" {
		t.Errorf("good row: birth date %q", got[3].BirthDate)
	}
	type line struct {
		Level, Msg, Source, Field, Err string
		UID                            uint64
	}
	seen := map[string]bool{}
	for l := range strings.Lines(logs.String()) {
		var e line
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if e.Msg != "field unknown" || e.Level != "DEBUG" || e.Source != "amicas" {
			t.Errorf("unexpected log line %s", l)
			continue
		}
		seen[e.Field+"@"+string(rune('0'+slicesIndex(ids, e.UID)))] = true
	}
	for _, want := range []string{"birth_date@0", "birth_date@1", "salutation@1", "birth_date@2"} {
		if !seen[want] {
			t.Errorf("no DEBUG line for %s; got %v", want, seen)
		}
	}
	if seen["birth_date@3"] {
		t.Errorf("a DEBUG line for a good birth date")
	}
}

func slicesIndex(ids []uint64, id uint64) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return 9
}

// TestSource_FieldMapping: KEYSYNC_SOURCE_<NAME>_FIELDS changes single
// fields (fax as mobile, phone from nowhere, street from two columns); a
// table without femanager's columns simply has no birth dates; a mapped
// column the table lacks is a configuration error naming the variable.
func TestSource_FieldMapping(t *testing.T) {
	t.Parallel()
	fields, err := keysync.ParseFieldMap("mobile=fax,phone=,street=address+description")
	if err != nil {
		t.Fatal(err)
	}
	p := mustMigrated(t, testdb.Typo3V13, typo3.Config{Fields: fields})
	ids := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{
		{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Huber", Address: "Hauptplatz 1", Telephone: "01 234"},
	})
	testdb.MustExec(t, p.db, "UPDATE fe_users SET fax = '0664 1234567', description = 'Hintereingang' WHERE uid = ?", ids[0])
	got := mustSweep(t, p.src, 0, 10)
	if a := got[0]; a.Mobile != "0664 1234567" || a.Phone != "" || a.Street != "Hauptplatz 1 Hintereingang" || a.BirthDate != "" {
		t.Errorf("mapped account: mobile %q, phone %q, street %q, birth %q", a.Mobile, a.Phone, a.Street, a.BirthDate)
	}

	missing, err := keysync.ParseFieldMap("birth_date=geburtstag,mobile=handy")
	if err != nil {
		t.Fatal(err)
	}
	q := mustPortal(t, testdb.Typo3V13, typo3.Config{Fields: missing})
	mustMigrate(t, q.src)
	err = q.src.Check(t.Context())
	var me *keysync.MappingError
	if !errors.As(err, &me) || !errors.Is(err, keysync.ErrConfig) {
		t.Fatalf("Check = %v, want a MappingError wrapping ErrConfig", err)
	}
	for _, want := range []string{"KEYSYNC_SOURCE_AMICAS_FIELDS", "birth_date=geburtstag", "no column geburtstag, handy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Check error %q lacks %q", err, want)
		}
	}
}

// TestSource_FieldGrants: before the source saw its table, grants name
// femanager's columns in a statement of their own; after Check they are
// part of the read where the table has them, and absent where not.
func TestSource_FieldGrants(t *testing.T) {
	t.Parallel()
	grants := func(src *typo3.Source) string {
		var out []string
		for _, r := range src.Requirements() {
			if !r.MigrateOnly {
				out = append(out, r.Grant("typo3", "'k'@'h'"))
			}
		}
		return strings.Join(out, "\n")
	}
	fem := mustMigrated(t, testdb.Typo3Femanager, typo3.Config{})
	if g := grants(fem.src); !strings.Contains(g, "usergroup, gender, date_of_birth, telephone, company) ON") {
		t.Errorf("femanager grants after Check:\n%s", g)
	}
	plain := mustMigrated(t, testdb.Typo3V13, typo3.Config{})
	if g := grants(plain.src); strings.Contains(g, "gender") || strings.Contains(g, "date_of_birth") {
		t.Errorf("grants of a table without femanager name its columns:\n%s", g)
	}
}
