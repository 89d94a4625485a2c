package columns_test

import (
	"strings"
	"testing"
	"time"

	"keysync/sinks/columns"
	keysync "keysync/sync"
)

// TestParse_ChoosesAndOrders: _FIELDS picks columns by key in its order,
// in any case and spacing; empty gives the default.
func TestParse_ChoosesAndOrders(t *testing.T) {
	t.Parallel()
	cols, err := columns.Parse(" Last_Name ,number,left", columns.All, columns.Standard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Header(columns.German))
	}
	if strings.Join(got, ",") != "Nachname,Kundennummer,Ausgetreten" {
		t.Errorf("headers %v", got)
	}
	if cols, _ := columns.Parse("  ", columns.All, columns.Standard); len(cols) != 19 {
		t.Errorf("empty list gives %d columns, want the 19 standard ones", len(cols))
	}
}

// TestParse_RefusesUnknownAndRepeatedKeys names the key.
func TestParse_RefusesUnknownAndRepeatedKeys(t *testing.T) {
	t.Parallel()
	for list, want := range map[string]string{
		"number,vorname": `unknown field "vorname"`,
		"number,,email":  `unknown field ""`,
		"email,EMAIL":    `field "email" named twice`,
	} {
		if _, err := columns.Parse(list, columns.All, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q)=%v, want %q", list, err, want)
		}
	}
}

func TestParseLang(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]columns.Lang{"": columns.German, "DE": columns.German, "en": columns.English} {
		if got, err := columns.ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q)=%q,%v want %q", in, got, err, want)
		}
	}
	if _, err := columns.ParseLang("fr"); err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("ParseLang(fr)=%v, want an error naming it", err)
	}
}

// TestDates_AreTheLocalDay: an instant is shown as the day it was in the
// local zone; a birth date that is no date stays the text it is.
func TestDates_AreTheLocalDay(t *testing.T) {
	t.Parallel()
	vienna, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		t.Skip("no time zone data")
	}
	p := keysync.PersonRecord{Registered: time.Date(2021, 3, 4, 23, 30, 0, 0, vienna).UTC(),
		Fields: map[keysync.Field]string{"birth_date": "1980-13-01"}}
	reg, _ := columns.ByKey(columns.All, "registered")
	d, ok := reg.Date(p)
	want := time.Date(2021, 3, 4, 23, 30, 0, 0, vienna).In(time.Local)
	if !ok || d.Day() != want.Day() || d.Location() != time.UTC || d.Hour() != 0 {
		t.Errorf("registered %v, want the local day %v at midnight UTC", d, want)
	}
	born, _ := columns.ByKey(columns.All, "birth_date")
	if _, ok := born.Date(p); ok || born.Text(p, columns.German) != "1980-13-01" {
		t.Errorf("a malformed birth date became a date or was lost: %q", born.Text(p, columns.German))
	}
	if got := reg.Text(p, columns.German); got != want.Format("02.01.2006") {
		t.Errorf("text %q, want %q", got, want.Format("02.01.2006"))
	}
}

// TestStatus_Forgotten: a forgotten person's row says so in either
// language, with nothing but the number.
func TestStatus_Forgotten(t *testing.T) {
	t.Parallel()
	p := keysync.PersonRecord{Number: "000000013", Status: keysync.PersonForgotten}
	st, _ := columns.ByKey(columns.All, "status")
	if got := st.Text(p, columns.German); got != "gelöscht (DSGVO)" {
		t.Errorf("German status %q, want gelöscht (DSGVO)", got)
	}
	if got := st.Text(p, columns.English); got != "forgotten (GDPR)" {
		t.Errorf("English status %q, want forgotten (GDPR)", got)
	}
	for _, c := range columns.List {
		if got := c.Text(p, columns.German); got != "" && c.Key != "number" && c.Key != "status" {
			t.Errorf("column %s shows %q for a forgotten person", c.Key, got)
		}
	}
}
