package config

import (
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"keysync/sinks/columns"
	"keysync/sinks/csvfile"
	"keysync/sources/wibisoft"
)

// SinkKinds lists the kinds of sink keysync can write.
var SinkKinds = []string{"xlsx", "csv", "outlook-csv", "vcard", "combit", "carddav", "wibisoft"}

// Sink is one downstream system keysync exports persons to
// (KEYSYNC_SINK_<NAME>_*). Its name keys its cursor in the central change
// feed: a renamed sink starts with a full export.
type Sink struct {
	Name, Kind string
	// Path is the file (xlsx, csv, outlook-csv, combit, wibisoft) or
	// folder (vcard).
	Path string
	// Encoding is the wibisoft file's: windows-1252 or utf-8;
	// WibisoftColumns its columns (KEYSYNC_WIBISOFT_COLUMNS).
	Encoding        string
	WibisoftColumns []wibisoft.Column
	// URL, User and PasswordFile reach a CardDAV address book; Password is
	// read from PasswordFile and is a secret that Redacted and every
	// message leave out.
	URL, User, PasswordFile string
	Password                string
	// Schedule is the cron spec of the daemon's exports; empty: only on
	// demand (keysync export).
	Schedule string
	// FieldsText is _FIELDS as given; Columns the columns it chooses, nil
	// for the kind's default.
	FieldsText string
	Columns    []columns.Column
	// LangText is _LANG as given; Lang the language of headers.
	LangText string
	Lang     columns.Lang
}

// sinkVars is what envconfig reads under KEYSYNC_SINK_<NAME>_ for each
// name in KEYSYNC_SINKS.
type sinkVars struct {
	Kind         string `desc:"required; xlsx (the Excel list), csv (the list for Excel), outlook-csv (Outlook's contact import), vcard (a folder of vCards), combit (combit's import files), carddav (a live address book) or wibisoft (the file back to Wibisoft)"`
	Path         string `desc:"required for the files: the absolute path of the .xlsx or .csv file (combit: the full file, the other two beside it), or of the folder of vCards"`
	Encoding     string `desc:"wibisoft: the file's encoding, windows-1252 (what Wibisoft reads as ANSI; characters it lacks are written as ? and counted) or utf-8; empty: windows-1252"`
	URL          string `desc:"carddav: the address book's URL, e.g. https://dav.example.org/keysync/kunden/, without user or password"`
	User         string `desc:"carddav: the user keysync logs in as"`
	PasswordFile string `split_words:"true" desc:"carddav: file holding the password, readable by keysync's account or group only (a warning otherwise)"`
	Schedule     string `desc:"when keysync run exports to the sink: a cron spec as KEYSYNC_RECONCILE_SCHEDULE; empty: only on demand (keysync export)"`
	Fields       string `desc:"xlsx, csv, outlook-csv, combit: the columns in order, comma-separated keys (number, hh_id, pe_id, salutation, title, first_name, last_name, birth_date, street, zip, city, country, email, phone, mobile, company, memberships, registered, changed, status, left; outlook-csv its own, see the README); empty: the kind's default"`
	Lang         string `default:"de" desc:"language of headers and fixed values: de or en"`
}

// The per-sink variable names after KEYSYNC_SINK_<NAME>.
const (
	sufSinkKind         = "_KIND"
	sufSinkPath         = "_PATH"
	sufSinkURL          = "_URL"
	sufSinkUser         = "_USER"
	sufSinkPasswordFile = "_PASSWORD_FILE"
	sufSinkSchedule     = "_SCHEDULE"
	sufSinkFields       = "_FIELDS"
	sufSinkLang         = "_LANG"
	sufSinkEncoding     = "_ENCODING"
)

// sinkPrefix returns the prefix of the variables of the named sink.
func sinkPrefix(name string) string {
	return prefix + "_SINK_" + strings.ToUpper(name)
}

// sinkVariables lists the variables of the named sink.
func sinkVariables(name string) []variable {
	return variables(sinkPrefix(name), &sinkVars{})
}

// Sink returns the sink with the given name, in any spelling.
func (c *Config) Sink(name string) (Sink, bool) {
	name = strings.ToLower(name)
	i := slices.IndexFunc(c.Sinks, func(s Sink) bool { return s.Name == name })
	if i < 0 {
		return Sink{}, false
	}
	return c.Sinks[i], true
}

// sinkNames splits KEYSYNC_SINKS; empty means no sinks.
func sinkNames(list string) ([]string, []error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	return splitNames(varSinks, list, "sink")
}

// loadSink reads and checks the variables of one sink, and its password.
func loadSink(name string) (s Sink, errs []error, warning string) {
	var v sinkVars
	p := sinkPrefix(name)
	errs = process(p, &v)
	s = Sink{Name: name, Kind: strings.ToLower(strings.TrimSpace(v.Kind)), Path: v.Path, URL: v.URL, User: v.User,
		PasswordFile: v.PasswordFile, Schedule: v.Schedule, FieldsText: v.Fields, LangText: v.Lang, Encoding: strings.ToLower(strings.TrimSpace(v.Encoding))}
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(checkSchedule(p+sufSinkSchedule, v.Schedule))
	add(s.checkEncoding(p))
	lang, err := columns.ParseLang(v.Lang)
	if err != nil {
		add(&Error{Var: p + sufSinkLang, Value: v.Lang, Reason: "de or en"})
	}
	s.Lang = lang
	switch s.Kind {
	case "carddav":
		errs = append(errs, s.checkAddressBook(p)...)
		if s.PasswordFile != "" {
			s.Password, warning, err = readSecret(p+sufSinkPasswordFile, s.PasswordFile)
			add(err)
		}
	case "xlsx", "csv", "outlook-csv", "vcard", "combit", "wibisoft":
		errs = append(errs, s.checkFile(p)...)
	default:
		add(&Error{Var: p + sufSinkKind, Value: v.Kind, Reason: "must be one of " + strings.Join(SinkKinds, ", ")})
	}
	return s, errs, warning
}

// checkFile checks a file sink: an absolute path with the kind's
// extension, the columns, and nothing of CardDAV.
func (s *Sink) checkFile(p string) []error {
	var errs []error
	ext := map[string]string{"xlsx": ".xlsx", "combit": ".csv", "wibisoft": ".csv"}[s.Kind]
	switch {
	case s.Path == "":
		errs = append(errs, &Error{Var: p + sufSinkPath, Reason: "required for a sink of kind " + s.Kind})
	case !filepath.IsAbs(s.Path):
		errs = append(errs, &Error{Var: p + sufSinkPath, Value: s.Path, Reason: "must be an absolute path, e.g. /var/lib/keysync/export/" + s.Name + ext})
	case ext != "" && !strings.EqualFold(filepath.Ext(s.Path), ext):
		errs = append(errs, &Error{Var: p + sufSinkPath, Value: s.Path, Reason: "a sink of kind " + s.Kind + " writes a " + ext + " file: end the path in " + ext})
	}
	for _, v := range []struct{ suf, value string }{{sufSinkURL, s.URL}, {sufSinkUser, s.User}, {sufSinkPasswordFile, s.PasswordFile}} {
		if v.value != "" {
			errs = append(errs, &Error{Var: p + v.suf, Value: v.value, Reason: "only a carddav sink reads it; this one is " + s.Kind})
		}
	}
	if err := s.parseColumns(p); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// parseColumns reads _FIELDS against the columns the kind knows.
func (s *Sink) parseColumns(p string) error {
	var from []columns.Column
	switch s.Kind {
	case "outlook-csv":
		from = csvfile.OutlookColumns
	case "vcard", "wibisoft":
		from = nil
	default:
		from = columns.All
	}
	if s.FieldsText == "" {
		return nil
	}
	if from == nil {
		return &Error{Var: p + sufSinkFields, Value: s.FieldsText, Reason: "only xlsx, csv, outlook-csv and combit choose columns (a vCard holds every field, the wibisoft file the columns of KEYSYNC_WIBISOFT_COLUMNS)"}
	}
	cols, err := columns.Parse(s.FieldsText, from, nil)
	if err != nil {
		return &Error{Var: p + sufSinkFields, Value: s.FieldsText, Reason: err.Error()}
	}
	if _, ok := columns.ByKey(cols, "number"); s.Kind == "combit" && !ok {
		return &Error{Var: p + sufSinkFields, Value: s.FieldsText, Reason: "combit matches persons by the customer number: list number among the fields"}
	}
	s.Columns = cols
	return nil
}

// checkAddressBook checks a CardDAV sink: an http(s) URL without user
// information, a user with the password file, and nothing of the files.
func (s *Sink) checkAddressBook(p string) []error {
	var errs []error
	if err := checkBookURL(p+sufSinkURL, s.URL); err != nil {
		errs = append(errs, err)
	}
	if s.PasswordFile != "" && s.User == "" {
		errs = append(errs, &Error{Var: p + sufSinkUser, Reason: "required with " + p + sufSinkPasswordFile})
	}
	for _, v := range []struct{ suf, value string }{{sufSinkPath, s.Path}, {sufSinkFields, s.FieldsText}} {
		if v.value != "" {
			errs = append(errs, &Error{Var: p + v.suf, Value: v.value, Reason: "a carddav sink does not read it"})
		}
	}
	return errs
}

// checkBookURL checks the address book's URL; a URL that does not parse
// is shown only up to an '@', after which a password could stand.
func checkBookURL(name, raw string) error {
	if raw == "" {
		return &Error{Var: name, Reason: "required for a sink of kind carddav, e.g. https://dav.example.org/keysync/kunden/"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			raw = "…" + raw[i:]
		}
		return &Error{Var: name, Value: raw, Reason: "not a URL"}
	}
	switch {
	case u.User != nil:
		return &Error{Var: name, Value: u.Redacted(), Reason: "holds user information: give the user in _USER and the password in _PASSWORD_FILE"}
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return &Error{Var: name, Value: raw, Reason: "not an http or https address of an address book"}
	}
	return nil
}

// loadSinks reads every sink of KEYSYNC_SINKS.
func loadSinks(list string) ([]Sink, []error, []string) {
	names, errs := sinkNames(list)
	var sinks []Sink
	var warnings []string
	for _, name := range names {
		s, sinkErrs, warning := loadSink(name)
		errs, warnings = append(errs, sinkErrs...), nonEmpty(warnings, warning)
		sinks = append(sinks, s)
	}
	return sinks, errs, warnings
}

// sinkNamesOf lists the sinks' names.
func sinkNamesOf(sinks []Sink) []string {
	names := make([]string, len(sinks))
	for i, s := range sinks {
		names[i] = s.Name
	}
	return names
}

// redacted lists the sink's settings of its kind; the password file is
// named, its content never shown.
func (s Sink) redacted() []Setting {
	p := sinkPrefix(s.Name)
	out := []Setting{{Var: p + sufSinkKind, Value: s.Kind}}
	if s.Kind == "carddav" {
		out = append(out, Setting{Var: p + sufSinkURL, Value: s.URL}, Setting{Var: p + sufSinkUser, Value: s.User},
			Setting{Var: p + sufSinkPasswordFile, Value: s.PasswordFile})
	} else {
		out = append(out, Setting{Var: p + sufSinkPath, Value: s.Path}, Setting{Var: p + sufSinkFields, Value: s.FieldsText})
	}
	if s.Kind == "wibisoft" {
		out = append(out, Setting{Var: p + sufSinkEncoding, Value: s.Encoding})
	}
	return append(out, Setting{Var: p + sufSinkSchedule, Value: s.Schedule}, Setting{Var: p + sufSinkLang, Value: string(s.Lang)})
}

// checkEncoding checks _ENCODING, which only the wibisoft file reads.
func (s *Sink) checkEncoding(p string) error {
	switch {
	case s.Kind != "wibisoft" && s.Encoding != "":
		return &Error{Var: p + sufSinkEncoding, Value: s.Encoding, Reason: "only a wibisoft sink reads it; this one is " + s.Kind}
	case s.Kind != "wibisoft":
		return nil
	case s.Encoding == "":
		s.Encoding = "windows-1252"
	case s.Encoding != "windows-1252" && s.Encoding != "utf-8":
		return &Error{Var: p + sufSinkEncoding, Value: s.Encoding, Reason: "windows-1252 or utf-8"}
	}
	return nil
}
