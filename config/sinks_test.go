package config

import (
	"slices"
	"strings"
	"testing"

	"keysync/sinks/columns"
)

// sinkEnv is validEnv with the four sinks of an association: the Excel
// list, Outlook's import, combit and a shared address book.
func sinkEnv(t *testing.T, set map[string]string) map[string]string {
	t.Helper()
	env := map[string]string{
		"KEYSYNC_SINKS":                   "liste,outlook,crm,buch",
		"KEYSYNC_SINK_LISTE_KIND":         "xlsx",
		"KEYSYNC_SINK_LISTE_PATH":         "/var/lib/keysync/export/Gesamt-Personen-Kontakt-Liste.xlsx",
		"KEYSYNC_SINK_LISTE_SCHEDULE":     "*/15 * * * *",
		"KEYSYNC_SINK_OUTLOOK_KIND":       "outlook-csv",
		"KEYSYNC_SINK_OUTLOOK_PATH":       "/var/lib/keysync/export/outlook.csv",
		"KEYSYNC_SINK_OUTLOOK_LANG":       "en",
		"KEYSYNC_SINK_CRM_KIND":           "combit",
		"KEYSYNC_SINK_CRM_PATH":           "/var/lib/keysync/export/crm.csv",
		"KEYSYNC_SINK_CRM_FIELDS":         "number,last_name, first_name,email",
		"KEYSYNC_SINK_BUCH_KIND":          "carddav",
		"KEYSYNC_SINK_BUCH_URL":           "https://dav.example.org/keysync/kunden/",
		"KEYSYNC_SINK_BUCH_USER":          "keysync",
		"KEYSYNC_SINK_BUCH_PASSWORD_FILE": MustWriteFile(t, testPassword+"\n"),
		"KEYSYNC_SINK_BUCH_SCHEDULE":      "@every 5m",
	}
	for k, v := range set {
		env[k] = v
	}
	return with(env)
}

// TestLoad_Sinks: every sink is read with its kind's settings, the
// columns chosen and ordered, the password read from its file and shown
// nowhere in `keysync config`.
func TestLoad_Sinks(t *testing.T) {
	c := MustLoad(t, sinkEnv(t, nil))
	var names []string
	for _, s := range c.Sinks {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"liste", "outlook", "crm", "buch"}) {
		t.Fatalf("sinks %v", names)
	}
	liste, _ := c.Sink("LISTE")
	if liste.Kind != "xlsx" || liste.Schedule != "*/15 * * * *" || liste.Columns != nil || liste.Lang != columns.German {
		t.Errorf("liste=%+v", liste)
	}
	if o, _ := c.Sink("outlook"); o.Lang != columns.English {
		t.Errorf("outlook's language %q, want en", o.Lang)
	}
	if crm, _ := c.Sink("crm"); !slices.Equal(columns.Keys(crm.Columns), []string{"number", "last_name", "first_name", "email"}) {
		t.Errorf("crm's columns %v", columns.Keys(crm.Columns))
	}
	if buch, _ := c.Sink("buch"); buch.Password != testPassword || buch.User != "keysync" {
		t.Errorf("buch=%+v, want the password read from its file", buch)
	}
	var printed strings.Builder
	for _, s := range c.Redacted() {
		printed.WriteString(s.Var + "=" + s.Value + "\n")
	}
	if strings.Contains(printed.String(), testPassword) {
		t.Fatalf("keysync config shows the password:\n%s", printed.String())
	}
	for _, want := range []string{"KEYSYNC_SINKS=liste,outlook,crm,buch\n", "KEYSYNC_SINK_BUCH_PASSWORD_FILE=/", "KEYSYNC_SINK_CRM_FIELDS=number,last_name, first_name,email\n", "KEYSYNC_SINK_LISTE_LANG=de\n"} {
		if !strings.Contains(printed.String(), want) {
			t.Errorf("keysync config lacks %q:\n%s", want, printed.String())
		}
	}
}

// TestLoad_SinkMistakes: every mistake names its variable and value, and
// an unlisted sink's variable is a warning.
func TestLoad_SinkMistakes(t *testing.T) {
	cases := []struct {
		set  map[string]string
		name string
		want string
	}{
		{map[string]string{"KEYSYNC_SINKS": "liste,Liste"}, "KEYSYNC_SINKS", "listed twice"},
		{map[string]string{"KEYSYNC_SINKS": "liste,1x"}, "KEYSYNC_SINKS", "not a sink name"},
		{map[string]string{"KEYSYNC_SINK_LISTE_KIND": "excel"}, "KEYSYNC_SINK_LISTE_KIND", "must be one of xlsx"},
		{map[string]string{"KEYSYNC_SINK_LISTE_KIND": ""}, "KEYSYNC_SINK_LISTE_KIND", "must be one of"},
		{map[string]string{"KEYSYNC_SINK_LISTE_PATH": "liste.xlsx"}, "KEYSYNC_SINK_LISTE_PATH", "absolute path"},
		{map[string]string{"KEYSYNC_SINK_LISTE_PATH": "/srv/liste.xls"}, "KEYSYNC_SINK_LISTE_PATH", "end the path in .xlsx"},
		{map[string]string{"KEYSYNC_SINK_CRM_PATH": ""}, "KEYSYNC_SINK_CRM_PATH", "required"},
		{map[string]string{"KEYSYNC_SINK_LISTE_SCHEDULE": "every hour"}, "KEYSYNC_SINK_LISTE_SCHEDULE", "not a cron spec"},
		{map[string]string{"KEYSYNC_SINK_LISTE_FIELDS": "number,shoe_size"}, "KEYSYNC_SINK_LISTE_FIELDS", `unknown field "shoe_size"`},
		{map[string]string{"KEYSYNC_SINK_CRM_FIELDS": "last_name,email"}, "KEYSYNC_SINK_CRM_FIELDS", "list number"},
		{map[string]string{"KEYSYNC_SINK_LISTE_LANG": "fr"}, "KEYSYNC_SINK_LISTE_LANG", "de or en"},
		{map[string]string{"KEYSYNC_SINK_LISTE_URL": "https://dav.example.org/"}, "KEYSYNC_SINK_LISTE_URL", "only a carddav sink"},
		{map[string]string{"KEYSYNC_SINK_BUCH_URL": ""}, "KEYSYNC_SINK_BUCH_URL", "required"},
		{map[string]string{"KEYSYNC_SINK_BUCH_URL": "ftp://dav.example.org/"}, "KEYSYNC_SINK_BUCH_URL", "not an http"},
		{map[string]string{"KEYSYNC_SINK_BUCH_URL": "https://keysync:" + testPassword + "@dav.example.org/"}, "KEYSYNC_SINK_BUCH_URL", "user information"},
		{map[string]string{"KEYSYNC_SINK_BUCH_USER": ""}, "KEYSYNC_SINK_BUCH_USER", "required with"},
		{map[string]string{"KEYSYNC_SINK_BUCH_PASSWORD_FILE": "/nonexistent/password"}, "KEYSYNC_SINK_BUCH_PASSWORD_FILE", "cannot read"},
		{map[string]string{"KEYSYNC_SINK_BUCH_FIELDS": "number"}, "KEYSYNC_SINK_BUCH_FIELDS", "does not read it"},
	}
	for _, tc := range cases {
		t.Run(tc.name+"="+tc.want, func(t *testing.T) {
			errs := MustFail(t, sinkEnv(t, tc.set))
			e := findError(errs, tc.name)
			if e == nil || !strings.Contains(e.Error(), tc.want) {
				t.Errorf("errors %v, want one on %s saying %q", errs, tc.name, tc.want)
			}
			if v, ok := tc.set[tc.name]; ok && !strings.Contains(v, testPassword) && e != nil && e.Value != v && !strings.Contains(e.Value, strings.TrimSpace(v)) {
				t.Errorf("error %v does not show the value %q", e, v)
			}
		})
	}
	c := MustLoad(t, sinkEnv(t, map[string]string{"KEYSYNC_SINK_ALT_KIND": "csv"}))
	if !slices.Contains(c.Warnings, `KEYSYNC_SINK_ALT_KIND is set, but "alt" is not listed in KEYSYNC_SINKS`) {
		t.Errorf("warnings %q, want one about the unlisted sink", c.Warnings)
	}
}

// TestLoad_WibisoftSink: the file back to Wibisoft takes its columns from
// KEYSYNC_WIBISOFT_COLUMNS and its encoding from _ENCODING, Windows-1252
// unless said otherwise; its mistakes name their variable.
func TestLoad_WibisoftSink(t *testing.T) {
	ws := map[string]string{"KEYSYNC_SINKS": "liste,ws", "KEYSYNC_SINK_WS_KIND": "wibisoft",
		"KEYSYNC_SINK_WS_PATH": "/var/lib/keysync/export/an-wibisoft.csv", "KEYSYNC_WIBISOFT_COLUMNS": "pe_id=Personennummer"}
	c := MustLoad(t, sinkEnv(t, ws))
	s, _ := c.Sink("ws")
	if s.Encoding != "windows-1252" || len(s.WibisoftColumns) < 2 || s.WibisoftColumns[1].Header != "Personennummer" {
		t.Errorf("ws=%+v", s)
	}
	ws["KEYSYNC_SINK_WS_ENCODING"] = "UTF-8"
	if s, _ := MustLoad(t, sinkEnv(t, ws)).Sink("ws"); s.Encoding != "utf-8" {
		t.Errorf("encoding %q, want utf-8", s.Encoding)
	}
	for _, tc := range []struct{ name, value, want string }{
		{"KEYSYNC_SINK_WS_ENCODING", "latin9", "windows-1252 or utf-8"},
		{"KEYSYNC_SINK_LISTE_ENCODING", "utf-8", "only a wibisoft sink reads it"},
		{"KEYSYNC_SINK_WS_FIELDS", "number", "KEYSYNC_WIBISOFT_COLUMNS"},
		{"KEYSYNC_SINK_WS_PATH", "/srv/an-wibisoft.txt", "end the path in .csv"},
	} {
		set := map[string]string{tc.name: tc.value}
		for k, v := range ws {
			if k != "KEYSYNC_SINK_WS_ENCODING" {
				set[k] = v
			}
		}
		set[tc.name] = tc.value
		e := findError(MustFail(t, sinkEnv(t, set)), tc.name)
		if e == nil || !strings.Contains(e.Error(), tc.want) || e.Value != tc.value {
			t.Errorf("%s=%s: error %v, want one saying %q", tc.name, tc.value, e, tc.want)
		}
	}
}
