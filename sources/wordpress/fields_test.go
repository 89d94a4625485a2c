package wordpress_test

import (
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// TestSource_WooCommerceFields: the defaults read the e-mail address of
// the users table, WordPress's name meta and WooCommerce's billing meta
// (two address lines make the street, billing_country is alpha-2).
func TestSource_WooCommerceFields(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressSingle)
	s.mustInsert(t, person(2, "Erika", "Mustermann", "erika@example.invalid",
		[2]string{"billing_address_1", "Heidestr. 17"}, [2]string{"billing_address_2", "Top 3"},
		[2]string{"billing_postcode", "51147"}, [2]string{"billing_city", "Köln"}, [2]string{"billing_country", "DE"},
		[2]string{"billing_phone", "+49 221 1234567"}, [2]string{"billing_company", "Beispiel GmbH"},
		[2]string{"billing_state", ""}))
	a := mustSweep(t, s.open(t, wordpress.Config{}), 0, 10)[0]
	want := map[keysync.Field]string{keysync.FieldFirstName: "Erika", keysync.FieldLastName: "Mustermann",
		keysync.FieldEmail: "erika@example.invalid", keysync.FieldStreet: "Heidestr. 17 Top 3", keysync.FieldZip: "51147",
		keysync.FieldCity: "Köln", keysync.FieldCountry: "DE", keysync.FieldPhone: "+49 221 1234567", keysync.FieldCompany: "Beispiel GmbH"}
	got := a.Values()
	delete(got, keysync.FieldMemberships)
	if len(got) != len(want) {
		t.Errorf("values %v, want %v", got, want)
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("%s = %q, want %q", f, got[f], v)
		}
	}
}

// TestSource_MappedMeta: a site's own meta keys become fields through the
// mapping; a birth date typed as text is read in both usual spellings,
// and an impossible one (31.02.1980, 1980-13-01, free text, before 1900)
// is unknown with a DEBUG line naming the user, the user read as usual.
func TestSource_MappedMeta(t *testing.T) {
	t.Parallel()
	s := mustSite(t, testdb.WordPressSingle)
	fields, err := keysync.ParseFieldMap("birth_date=geburtsdatum,salutation=anrede,mobile=handy,email=billing_email")
	if err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	src := s.open(t, wordpress.Config{Fields: fields, Logger: logs.logger()})
	s.mustInsert(t,
		person(2, "Anna", "Huber", "anna@example.invalid", [2]string{"geburtsdatum", "17.05.1980"}, [2]string{"anrede", "Frau"},
			[2]string{"handy", "0664 1234567"}, [2]string{"billing_email", "anna.billing@example.invalid"}),
		person(3, "Bert", "Huber", "bert@example.invalid", [2]string{"geburtsdatum", "1975-01-31"}, [2]string{"anrede", "0"}),
		person(4, "Cilli", "Huber", "c@example.invalid", [2]string{"geburtsdatum", "31.02.1980"}),
		person(5, "Dora", "Huber", "d@example.invalid", [2]string{"geburtsdatum", "1980-13-01"}),
		person(6, "Emil", "Huber", "e@example.invalid", [2]string{"geburtsdatum", "im Mai"}),
		person(7, "Fritz", "Huber", "f@example.invalid", [2]string{"geburtsdatum", "1899-12-31"}),
	)
	got := byID(mustSweep(t, src, 0, 10))
	if a := got[2]; a.BirthDate != "1980-05-17" || a.Salutation != "Frau" || a.Mobile != "0664 1234567" || a.Email != "anna.billing@example.invalid" {
		t.Errorf("user 2: %+v", a)
	}
	if a := got[3]; a.BirthDate != "1975-01-31" || a.Salutation != "Herr" {
		t.Errorf("user 3: birth %q, salutation %q", a.BirthDate, a.Salutation)
	}
	for id := uint64(4); id <= 7; id++ {
		if a := got[id]; a.BirthDate != "" || a.FirstName == "" {
			t.Errorf("user %d: birth %q, first name %q; want unknown, the row read", id, a.BirthDate, a.FirstName)
		}
	}
	lines := logs.lines(t, "field unknown")
	byUser := map[float64]bool{}
	for _, l := range lines {
		if l["level"] != "DEBUG" || l["source"] != "blog" || l["field"] != "birth_date" {
			t.Errorf("log line %v", l)
		}
		byUser[l["uid"].(float64)] = true
	}
	if len(byUser) != 4 || !byUser[4] || !byUser[7] {
		t.Errorf("DEBUG lines for users %v, want 4 to 7", byUser)
	}
}
