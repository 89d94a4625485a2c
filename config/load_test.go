package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoad_Defaults(t *testing.T) {
	c := MustLoad(t, validEnv())
	if got, want := c.CentralDSN, validEnv()["KEYSYNC_CENTRAL_DSN"]; got != want {
		t.Errorf("CentralDSN=%q, want %q", got, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"NumberFormat", c.NumberFormat, "{seq:8}{check}"},
		{"Number", c.Number.String(), "{seq:8}{check}"},
		{"CheckDigit", c.CheckDigit, "damm"},
		{"Household", c.Household.String(), "{seq:7}"},
		{"Person", c.Person.String(), "{seq:8}"},
		{"SequenceStart", c.SequenceStart, uint64(1)},
		{"HHSequenceStart", c.HHSequenceStart, uint64(1)},
		{"PESequenceStart", c.PESequenceStart, uint64(1)},
		{"PollInterval", c.PollInterval, 5 * time.Second},
		{"BackoffMax", c.BackoffMax, 5 * time.Minute},
		{"BatchSize", c.BatchSize, 500},
		{"LogFormat", c.LogFormat, "auto"},
		{"LogLevel", c.LogLevel, "info"},
		{"len(Sources)", len(c.Sources), 1},
		{"len(Warnings)", len(c.Warnings), 0},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s=%v, want %v", ch.name, ch.got, ch.want)
		}
	}
	s := c.Sources[0]
	want := Source{
		Name: "shop", Kind: "typo3", DSN: validEnv()["KEYSYNC_SOURCE_SHOP_DSN"], Table: "fe_users",
		NumberColumn: "tx_keysync_customer_number", HHColumn: "tx_keysync_wibisoft_hh_id", PEColumn: "tx_keysync_wibisoft_pe_id",
	}
	if len(s.PIDs) != 0 || s.Name != want.Name || s.Kind != want.Kind || s.DSN != want.DSN || s.Table != want.Table ||
		s.Country != "" || s.NumberColumn != want.NumberColumn || s.HHColumn != want.HHColumn || s.PEColumn != want.PEColumn {
		t.Errorf("source=%+v, want %+v", s, want)
	}
}

func TestLoad_GoodValues(t *testing.T) {
	tests := []struct {
		name  string
		set   map[string]string
		check func(*Config) (got, want any)
	}{
		{"check digit any case", map[string]string{"KEYSYNC_CHECK_DIGIT": "LUHN"},
			func(c *Config) (any, any) { return c.CheckDigit, "luhn" }},
		{"two check digits", map[string]string{"KEYSYNC_CHECK_DIGIT": "iso7064-97-10"},
			func(c *Config) (any, any) { return c.Number.MaxLen(), 10 }},
		{"verhoeff", map[string]string{"KEYSYNC_CHECK_DIGIT": "verhoeff"},
			func(c *Config) (any, any) { return c.CheckDigit, "verhoeff" }},
		{"number format", map[string]string{"KEYSYNC_NUMBER_FORMAT": "K-{seq:6}{check}"},
			func(c *Config) (any, any) { return c.Number.MaxSeq(), uint64(999999) }},
		{"sequence start at the template's limit", map[string]string{"KEYSYNC_SEQUENCE_START": "99999999"},
			func(c *Config) (any, any) { return c.SequenceStart, uint64(99999999) }},
		{"household format with check", map[string]string{"KEYSYNC_HH_FORMAT": "H{seq:6}{check}", "KEYSYNC_HH_SEQUENCE_START": "100"},
			func(c *Config) (any, any) { return c.Household.HasCheck(), true }},
		{"person sequence start", map[string]string{"KEYSYNC_PE_SEQUENCE_START": "5000"},
			func(c *Config) (any, any) { return c.PESequenceStart, uint64(5000) }},
		{"poll interval floor", map[string]string{"KEYSYNC_POLL_INTERVAL": "100ms"},
			func(c *Config) (any, any) { return c.PollInterval, 100 * time.Millisecond }},
		{"backoff floor", map[string]string{"KEYSYNC_BACKOFF_MAX": "1s"},
			func(c *Config) (any, any) { return c.BackoffMax, time.Second }},
		{"backoff hours", map[string]string{"KEYSYNC_BACKOFF_MAX": "1h30m"},
			func(c *Config) (any, any) { return c.BackoffMax, 90 * time.Minute }},
		{"retention in days", map[string]string{"KEYSYNC_FORGET_AFTER": "730d"},
			func(c *Config) (any, any) { return c.ForgetAfter, 730 * 24 * time.Hour }},
		{"retention as a duration", map[string]string{"KEYSYNC_FORGET_AFTER": "36h"},
			func(c *Config) (any, any) { return c.ForgetAfter, 36 * time.Hour }},
		{"retention empty", map[string]string{"KEYSYNC_FORGET_AFTER": " "},
			func(c *Config) (any, any) { return c.ForgetAfter, time.Duration(0) }},
		{"batch size 1", map[string]string{"KEYSYNC_BATCH_SIZE": "1"},
			func(c *Config) (any, any) { return c.BatchSize, 1 }},
		{"batch size 5000", map[string]string{"KEYSYNC_BATCH_SIZE": "5000"},
			func(c *Config) (any, any) { return c.BatchSize, 5000 }},
		{"log format json", map[string]string{"KEYSYNC_LOG_FORMAT": "json"},
			func(c *Config) (any, any) { return c.LogFormat, "json" }},
		{"log format text any case", map[string]string{"KEYSYNC_LOG_FORMAT": "Text"},
			func(c *Config) (any, any) { return c.LogFormat, "text" }},
		{"log level any case", map[string]string{"KEYSYNC_LOG_LEVEL": "DEBUG"},
			func(c *Config) (any, any) { return c.LogLevel, "debug" }},
		{"log level warn", map[string]string{"KEYSYNC_LOG_LEVEL": "warn"},
			func(c *Config) (any, any) { return c.LogLevel, "warn" }},
		{"kind any case", map[string]string{"KEYSYNC_SOURCE_SHOP_KIND": "TYPO3"},
			func(c *Config) (any, any) { return c.Sources[0].Kind, "typo3" }},
		{"pids", map[string]string{"KEYSYNC_SOURCE_SHOP_PIDS": "12,34"},
			func(c *Config) (any, any) { return slices.Equal(c.Sources[0].PIDs, []uint64{12, 34}), true }},
		{"empty pids", map[string]string{"KEYSYNC_SOURCE_SHOP_PIDS": ""},
			func(c *Config) (any, any) { return len(c.Sources[0].PIDs), 0 }},
		{"country upper-cased", map[string]string{"KEYSYNC_SOURCE_SHOP_COUNTRY": "at"},
			func(c *Config) (any, any) { return c.Sources[0].Country, "AT" }},
		{"country in template", map[string]string{"KEYSYNC_NUMBER_FORMAT": "{country}{seq:8}{check}", "KEYSYNC_SOURCE_SHOP_COUNTRY": "DE"},
			func(c *Config) (any, any) { return c.Number.UsesCountry(), true }},
		{"table", map[string]string{"KEYSYNC_SOURCE_SHOP_TABLE": "fe_users_2"},
			func(c *Config) (any, any) { return c.Sources[0].Table, "fe_users_2" }},
		{"columns", map[string]string{"KEYSYNC_SOURCE_SHOP_NUMBER_COLUMN": "kdnr", "KEYSYNC_SOURCE_SHOP_HH_COLUMN": "_hh", "KEYSYNC_SOURCE_SHOP_PE_COLUMN": "PE1"},
			func(c *Config) (any, any) {
				s := c.Sources[0]
				return s.NumberColumn + " " + s.HHColumn + " " + s.PEColumn, "kdnr _hh PE1"
			}},
		{"source names trimmed and lower-cased", map[string]string{
			"KEYSYNC_SOURCES": " Shop , club_2 ", "KEYSYNC_SOURCE_CLUB_2_KIND": "typo3",
			"KEYSYNC_SOURCE_CLUB_2_DSN": "u:" + testPassword + "@tcp(db2:3306)/club"},
			func(c *Config) (any, any) { return c.Sources[0].Name + "," + c.Sources[1].Name, "shop,club_2" }},
		{"unix socket DSN", map[string]string{"KEYSYNC_CENTRAL_DSN": "keysync:pw@unix(/run/mysqld/mysqld.sock)/keysync?parseTime=true"},
			func(c *Config) (any, any) {
				return c.CentralDSN, "keysync:pw@unix(/run/mysqld/mysqld.sock)/keysync?parseTime=true"
			}},
		{"DSN without password", map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": "typo3@tcp(localhost)/typo3"},
			func(c *Config) (any, any) { return c.Sources[0].DSN, "typo3@tcp(localhost)/typo3" }},
		{"fields", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": " Mobile = fax , street=address+description, phone="},
			func(c *Config) (any, any) {
				return c.Sources[0].Fields.String(), "street=address+description,phone=,mobile=fax"
			}},
		{"salutations default", nil,
			func(c *Config) (any, any) {
				return c.Sources[0].Salutations["1"] + c.Sources[0].Salutations["0"], "FrauHerr"
			}},
		{"salutations", map[string]string{"KEYSYNC_SOURCE_SHOP_SALUTATIONS": "1=Frau,2=,99="},
			func(c *Config) (any, any) { return len(c.Sources[0].Salutations), 3 }},
		{"time zone", map[string]string{"KEYSYNC_SOURCE_SHOP_TIMEZONE": "Europe/Vienna"},
			func(c *Config) (any, any) { return c.Sources[0].Location.String(), "Europe/Vienna" }},
		{"no time zone", nil,
			func(c *Config) (any, any) { return c.Sources[0].Location == nil, true }},
		{"wibisoft columns", map[string]string{"KEYSYNC_WIBISOFT_COLUMNS": " PE_ID = Personennummer , hh_id=Haushalt,title="},
			func(c *Config) (any, any) {
				var got []string
				for _, col := range c.WibisoftColumns[:4] {
					got = append(got, col.Key+"="+col.Header)
				}
				return strings.Join(got, ","), "hh_id=Haushalt,pe_id=Personennummer,salutation=Anrede,title="
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := MustLoad(t, with(tt.set))
			if got, want := tt.check(c); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestLoad_BadValues(t *testing.T) {
	const (
		badDSN = "keysync:" + testPassword + "@tcp(db.example:3306"
		noDB   = "keysync:" + testPassword + "@tcp(db.example:3306)/"
	)
	tests := []struct {
		name    string
		set     map[string]string
		wantVar string
		// wantValue is the value the error must show; DSNs appear redacted.
		wantValue  string
		wantReason string
	}{
		{"central DSN missing", map[string]string{"KEYSYNC_CENTRAL_DSN": unset},
			"KEYSYNC_CENTRAL_DSN", "", "required"},
		{"central DSN empty", map[string]string{"KEYSYNC_CENTRAL_DSN": ""},
			"KEYSYNC_CENTRAL_DSN", "", "KEYSYNC_CENTRAL_DSN_FILE"},
		{"central DSN unparsable", map[string]string{"KEYSYNC_CENTRAL_DSN": badDSN},
			"KEYSYNC_CENTRAL_DSN", "<not a DSN, not shown>", "not a valid DSN"},
		{"central DSN that is only a password", map[string]string{"KEYSYNC_CENTRAL_DSN": testPassword},
			"KEYSYNC_CENTRAL_DSN", "<not a DSN, not shown>", "it has no user:password@ and no /dbname"},
		{"central DSN without database", map[string]string{"KEYSYNC_CENTRAL_DSN": noDB},
			"KEYSYNC_CENTRAL_DSN", "keysync:xxxxx@tcp(db.example:3306)/", "names no database"},
		{"central DSN the driver panics on", map[string]string{"KEYSYNC_CENTRAL_DSN": "k:" + testPassword + "@tcp(h:3306)/db?strict=true"},
			"KEYSYNC_CENTRAL_DSN", "<not a DSN, not shown>", "not a valid DSN (strict mode has been removed)"},
		{"central DSN bad parameter", map[string]string{"KEYSYNC_CENTRAL_DSN": "k:" + testPassword + "@tcp(h:3306)/db?parseTime=maybe"},
			"KEYSYNC_CENTRAL_DSN", "<not a DSN, not shown>", "a parameter or the address is malformed"},
		{"central DSN with charset gbk", map[string]string{"KEYSYNC_CENTRAL_DSN": "k:" + testPassword + "@tcp(h:3306)/db?charset=gbk"},
			"KEYSYNC_CENTRAL_DSN", "k:xxxxx@tcp(h:3306)/db?charset=gbk", "DSN parameter charset=gbk: keysync escapes values on the client"},
		{"central DSN with allowAllFiles", map[string]string{"KEYSYNC_CENTRAL_DSN": "k:" + testPassword + "@tcp(h:3306)/db?allowAllFiles=true"},
			"KEYSYNC_CENTRAL_DSN", "k:xxxxx@tcp(h:3306)/db?allowAllFiles=true", "LOAD DATA LOCAL INFILE"},
		{"central DSN with cleartext passwords", map[string]string{"KEYSYNC_CENTRAL_DSN": "k:" + testPassword + "@tcp(h:3306)/db?allowCleartextPasswords=true"},
			"KEYSYNC_CENTRAL_DSN", "k:xxxxx@tcp(h:3306)/db?allowCleartextPasswords=true", "clear text"},
		{"sources missing", map[string]string{"KEYSYNC_SOURCES": unset},
			"KEYSYNC_SOURCES", "", "required"},
		{"sources blank", map[string]string{"KEYSYNC_SOURCES": " "},
			"KEYSYNC_SOURCES", " ", "required"},
		{"source name with a dash", map[string]string{"KEYSYNC_SOURCES": "shop,my-club"},
			"KEYSYNC_SOURCES", "shop,my-club", `"my-club" is not a source name`},
		{"source name starting with a digit", map[string]string{"KEYSYNC_SOURCES": "shop,2nd"},
			"KEYSYNC_SOURCES", "shop,2nd", `"2nd" is not a source name`},
		{"source name too long", map[string]string{"KEYSYNC_SOURCES": "shop," + strings.Repeat("a", 33)},
			"KEYSYNC_SOURCES", "shop," + strings.Repeat("a", 33), "is not a source name"},
		{"empty source name", map[string]string{"KEYSYNC_SOURCES": "shop,"},
			"KEYSYNC_SOURCES", "shop,", `"" is not a source name`},
		{"duplicate source", map[string]string{"KEYSYNC_SOURCES": "shop,SHOP"},
			"KEYSYNC_SOURCES", "shop,SHOP", `"shop" is listed twice`},
		{"number format", map[string]string{"KEYSYNC_NUMBER_FORMAT": "{seq}"},
			"KEYSYNC_NUMBER_FORMAT", "{seq}", "needs a width"},
		{"number format empty", map[string]string{"KEYSYNC_NUMBER_FORMAT": ""},
			"KEYSYNC_NUMBER_FORMAT", "", "empty template"},
		{"check digit", map[string]string{"KEYSYNC_CHECK_DIGIT": "mod11"},
			"KEYSYNC_CHECK_DIGIT", "mod11", "one of damm, iso7064-97-10, luhn, verhoeff"},
		{"sequence start not a number", map[string]string{"KEYSYNC_SEQUENCE_START": "abc"},
			"KEYSYNC_SEQUENCE_START", "abc", "not an unsigned integer"},
		{"sequence start negative", map[string]string{"KEYSYNC_SEQUENCE_START": "-1"},
			"KEYSYNC_SEQUENCE_START", "-1", "not an unsigned integer"},
		{"sequence start beyond uint64", map[string]string{"KEYSYNC_SEQUENCE_START": "99999999999999999999"},
			"KEYSYNC_SEQUENCE_START", "99999999999999999999", "out of range"},
		{"sequence start beyond template", map[string]string{"KEYSYNC_SEQUENCE_START": "100000000"},
			"KEYSYNC_SEQUENCE_START", "100000000", `does not fit KEYSYNC_NUMBER_FORMAT="{seq:8}{check}", whose largest sequence value is 99999999`},
		{"household format", map[string]string{"KEYSYNC_HH_FORMAT": "{seq:0}"},
			"KEYSYNC_HH_FORMAT", "{seq:0}", "must be a number from 1 to 18"},
		{"household start beyond template", map[string]string{"KEYSYNC_HH_SEQUENCE_START": "10000000"},
			"KEYSYNC_HH_SEQUENCE_START", "10000000", "does not fit KEYSYNC_HH_FORMAT"},
		{"household start not a number", map[string]string{"KEYSYNC_HH_SEQUENCE_START": "1e3"},
			"KEYSYNC_HH_SEQUENCE_START", "1e3", "not an unsigned integer"},
		{"person format", map[string]string{"KEYSYNC_PE_FORMAT": "P-"},
			"KEYSYNC_PE_FORMAT", "P-", "missing {seq:N}"},
		{"person start beyond template", map[string]string{"KEYSYNC_PE_SEQUENCE_START": "100000000"},
			"KEYSYNC_PE_SEQUENCE_START", "100000000", "does not fit KEYSYNC_PE_FORMAT"},
		{"poll interval not a duration", map[string]string{"KEYSYNC_POLL_INTERVAL": "5x"},
			"KEYSYNC_POLL_INTERVAL", "5x", "not a duration (e.g. 5s, 1m)"},
		{"poll interval without unit", map[string]string{"KEYSYNC_POLL_INTERVAL": "5"},
			"KEYSYNC_POLL_INTERVAL", "5", "not a duration"},
		{"poll interval too short", map[string]string{"KEYSYNC_POLL_INTERVAL": "50ms"},
			"KEYSYNC_POLL_INTERVAL", "50ms", "must be at least 100ms"},
		{"poll interval negative", map[string]string{"KEYSYNC_POLL_INTERVAL": "-5s"},
			"KEYSYNC_POLL_INTERVAL", "-5s", "must be at least 100ms"},
		{"batch size zero", map[string]string{"KEYSYNC_BATCH_SIZE": "0"},
			"KEYSYNC_BATCH_SIZE", "0", "must be between 1 and 5000"},
		{"batch size too big", map[string]string{"KEYSYNC_BATCH_SIZE": "5001"},
			"KEYSYNC_BATCH_SIZE", "5001", "must be between 1 and 5000"},
		{"batch size negative", map[string]string{"KEYSYNC_BATCH_SIZE": "-1"},
			"KEYSYNC_BATCH_SIZE", "-1", "must be between 1 and 5000"},
		{"batch size not a number", map[string]string{"KEYSYNC_BATCH_SIZE": "ten"},
			"KEYSYNC_BATCH_SIZE", "ten", "not an integer"},
		{"backoff too short", map[string]string{"KEYSYNC_BACKOFF_MAX": "500ms"},
			"KEYSYNC_BACKOFF_MAX", "500ms", "must be at least 1s"},
		{"backoff not a duration", map[string]string{"KEYSYNC_BACKOFF_MAX": "forever"},
			"KEYSYNC_BACKOFF_MAX", "forever", "not a duration"},
		{"retention in minutes", map[string]string{"KEYSYNC_FORGET_AFTER": "30m"},
			"KEYSYNC_FORGET_AFTER", "30m", "must be at least 1d"},
		{"retention of no days", map[string]string{"KEYSYNC_FORGET_AFTER": "0d"},
			"KEYSYNC_FORGET_AFTER", "0d", "must be at least 1d"},
		{"retention in years", map[string]string{"KEYSYNC_FORGET_AFTER": "2y"},
			"KEYSYNC_FORGET_AFTER", "2y", "not a retention"},
		{"retention of negative days", map[string]string{"KEYSYNC_FORGET_AFTER": "-5d"},
			"KEYSYNC_FORGET_AFTER", "-5d", "not a retention"},
		{"log format", map[string]string{"KEYSYNC_LOG_FORMAT": "xml"},
			"KEYSYNC_LOG_FORMAT", "xml", "must be one of auto, text, json"},
		{"log level", map[string]string{"KEYSYNC_LOG_LEVEL": "verbose"},
			"KEYSYNC_LOG_LEVEL", "verbose", "must be one of debug, info, warn, error"},
		{"kind missing", map[string]string{"KEYSYNC_SOURCE_SHOP_KIND": unset},
			"KEYSYNC_SOURCE_SHOP_KIND", "", "required; one of typo3"},
		{"kind unknown", map[string]string{"KEYSYNC_SOURCE_SHOP_KIND": "Joomla"},
			"KEYSYNC_SOURCE_SHOP_KIND", "Joomla", "unknown kind; one of typo3"},
		{"source DSN missing", map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": unset},
			"KEYSYNC_SOURCE_SHOP_DSN", "", "required (or set KEYSYNC_SOURCE_SHOP_DSN_FILE"},
		{"source DSN unparsable", map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": badDSN},
			"KEYSYNC_SOURCE_SHOP_DSN", "<not a DSN, not shown>", "not a valid DSN"},
		{"source DSN with a gbk collation", map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": "k:" + testPassword + "@tcp(h:3306)/db?collation=gbk_bin"},
			"KEYSYNC_SOURCE_SHOP_DSN", "k:xxxxx@tcp(h:3306)/db?collation=gbk_bin", "DSN parameter collation=gbk_bin"},
		{"source DSN without database", map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": noDB},
			"KEYSYNC_SOURCE_SHOP_DSN", "keysync:xxxxx@tcp(db.example:3306)/", "names no database"},
		{"table with a space", map[string]string{"KEYSYNC_SOURCE_SHOP_TABLE": "fe users"},
			"KEYSYNC_SOURCE_SHOP_TABLE", "fe users", "not a plain SQL name"},
		{"table with a schema", map[string]string{"KEYSYNC_SOURCE_SHOP_TABLE": "typo3.fe_users"},
			"KEYSYNC_SOURCE_SHOP_TABLE", "typo3.fe_users", "not a plain SQL name"},
		{"table with SQL", map[string]string{"KEYSYNC_SOURCE_SHOP_TABLE": "fe_users;DROP TABLE x"},
			"KEYSYNC_SOURCE_SHOP_TABLE", "fe_users;DROP TABLE x", "not a plain SQL name"},
		{"table empty", map[string]string{"KEYSYNC_SOURCE_SHOP_TABLE": ""},
			"KEYSYNC_SOURCE_SHOP_TABLE", "", "not a plain SQL name"},
		{"pids with a letter", map[string]string{"KEYSYNC_SOURCE_SHOP_PIDS": "1,x"},
			"KEYSYNC_SOURCE_SHOP_PIDS", "1,x", "not a comma-separated list of unsigned integers"},
		{"pids with a space", map[string]string{"KEYSYNC_SOURCE_SHOP_PIDS": "1, 2"},
			"KEYSYNC_SOURCE_SHOP_PIDS", "1, 2", "without spaces"},
		{"pids negative", map[string]string{"KEYSYNC_SOURCE_SHOP_PIDS": "-4"},
			"KEYSYNC_SOURCE_SHOP_PIDS", "-4", "not a comma-separated list"},
		{"country too long", map[string]string{"KEYSYNC_SOURCE_SHOP_COUNTRY": "DEU"},
			"KEYSYNC_SOURCE_SHOP_COUNTRY", "DEU", "not an ISO 3166 alpha-2 country code"},
		{"country with a digit", map[string]string{"KEYSYNC_SOURCE_SHOP_COUNTRY": "D1"},
			"KEYSYNC_SOURCE_SHOP_COUNTRY", "D1", "not an ISO 3166 alpha-2 country code"},
		{"country needed by number format", map[string]string{"KEYSYNC_NUMBER_FORMAT": "{country}{seq:8}{check}"},
			"KEYSYNC_SOURCE_SHOP_COUNTRY", "", "required because KEYSYNC_NUMBER_FORMAT uses {country}"},
		{"country needed by household format", map[string]string{"KEYSYNC_HH_FORMAT": "{country}{seq:7}"},
			"KEYSYNC_SOURCE_SHOP_COUNTRY", "", "required because KEYSYNC_HH_FORMAT uses {country}"},
		{"number column", map[string]string{"KEYSYNC_SOURCE_SHOP_NUMBER_COLUMN": "1st"},
			"KEYSYNC_SOURCE_SHOP_NUMBER_COLUMN", "1st", "not a plain SQL name"},
		{"household column too long", map[string]string{"KEYSYNC_SOURCE_SHOP_HH_COLUMN": strings.Repeat("h", 65)},
			"KEYSYNC_SOURCE_SHOP_HH_COLUMN", strings.Repeat("h", 65), "not a plain SQL name"},
		{"person column", map[string]string{"KEYSYNC_SOURCE_SHOP_PE_COLUMN": "pe-id"},
			"KEYSYNC_SOURCE_SHOP_PE_COLUMN", "pe-id", "not a plain SQL name"},
		{"household column is the number column", map[string]string{"KEYSYNC_SOURCE_SHOP_HH_COLUMN": "TX_KEYSYNC_CUSTOMER_NUMBER"},
			"KEYSYNC_SOURCE_SHOP_HH_COLUMN", "TX_KEYSYNC_CUSTOMER_NUMBER", "same column as KEYSYNC_SOURCE_SHOP_NUMBER_COLUMN"},
		{"person column is the household column", map[string]string{"KEYSYNC_SOURCE_SHOP_PE_COLUMN": "tx_keysync_wibisoft_hh_id"},
			"KEYSYNC_SOURCE_SHOP_PE_COLUMN", "tx_keysync_wibisoft_hh_id", "same column as KEYSYNC_SOURCE_SHOP_HH_COLUMN"},
		{"unknown field", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "phone=telephone,handy=fax"},
			"KEYSYNC_SOURCE_SHOP_FIELDS", "phone=telephone,handy=fax", `unknown field "handy"; the fields are salutation, title`},
		{"field without column", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "phone"},
			"KEYSYNC_SOURCE_SHOP_FIELDS", "phone", "not field=column"},
		{"field column not an identifier", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "phone=tele phone"},
			"KEYSYNC_SOURCE_SHOP_FIELDS", "phone=tele phone", `"tele phone" is not a plain column or meta key name`},
		{"field column with a quote", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "mobile=fax`,x"},
			"KEYSYNC_SOURCE_SHOP_FIELDS", "mobile=fax`,x", "not field=column"},
		{"memberships mapped", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "memberships=usergroup"},
			"KEYSYNC_SOURCE_SHOP_FIELDS", "memberships=usergroup", "cannot be mapped"},
		{"number column read as master data", map[string]string{"KEYSYNC_SOURCE_SHOP_FIELDS": "company=tx_keysync_customer_number"},
			"KEYSYNC_SOURCE_SHOP_NUMBER_COLUMN", "tx_keysync_customer_number", "KEYSYNC_SOURCE_SHOP_FIELDS reads as master data"},
		{"salutations without =", map[string]string{"KEYSYNC_SOURCE_SHOP_SALUTATIONS": "0=Herr,Frau"},
			"KEYSYNC_SOURCE_SHOP_SALUTATIONS", "0=Herr,Frau", `"Frau" is not code=salutation`},
		{"salutation code twice", map[string]string{"KEYSYNC_SOURCE_SHOP_SALUTATIONS": "0=Herr,0=Frau"},
			"KEYSYNC_SOURCE_SHOP_SALUTATIONS", "0=Herr,0=Frau", "listed twice"},
		{"time zone", map[string]string{"KEYSYNC_SOURCE_SHOP_TIMEZONE": "Europe/Wien"},
			"KEYSYNC_SOURCE_SHOP_TIMEZONE", "Europe/Wien", "not a time zone name"},
		{"wibisoft column unknown", map[string]string{"KEYSYNC_WIBISOFT_COLUMNS": "pe=Personennummer"},
			"KEYSYNC_WIBISOFT_COLUMNS", "pe=Personennummer", `unknown key "pe"; the keys are hh_id, pe_id`},
		{"wibisoft id column left out", map[string]string{"KEYSYNC_WIBISOFT_COLUMNS": "pe_id="},
			"KEYSYNC_WIBISOFT_COLUMNS", "pe_id=", "pe_id cannot be left out"},
		{"wibisoft column read twice", map[string]string{"KEYSYNC_WIBISOFT_COLUMNS": "phone=Mobil"},
			"KEYSYNC_WIBISOFT_COLUMNS", "phone=Mobil", `phone and mobile both read the column "Mobil"`},
		{"wibisoft column without =", map[string]string{"KEYSYNC_WIBISOFT_COLUMNS": "Haushalt"},
			"KEYSYNC_WIBISOFT_COLUMNS", "Haushalt", `"Haushalt" is not key=Header`},
		{"source named wibisoft", map[string]string{"KEYSYNC_SOURCES": "shop,wibisoft"},
			"KEYSYNC_SOURCES", "shop,wibisoft", "names the rows of the Wibisoft import"},
		{"time zone Local", map[string]string{"KEYSYNC_SOURCE_SHOP_TIMEZONE": "Local"},
			"KEYSYNC_SOURCE_SHOP_TIMEZONE", "Local", "not a time zone name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := MustFail(t, with(tt.set))
			e := findError(errs, tt.wantVar)
			if e == nil {
				t.Fatalf("no error about %s in %v", tt.wantVar, errs)
			}
			if e.Value != tt.wantValue {
				t.Errorf("Value=%q, want %q", e.Value, tt.wantValue)
			}
			if !strings.Contains(e.Reason, tt.wantReason) {
				t.Errorf("Reason=%q, want it to contain %q", e.Reason, tt.wantReason)
			}
			msg := e.Error()
			if !strings.HasPrefix(msg, tt.wantVar+"=") || !strings.Contains(msg, tt.wantValue) {
				t.Errorf("Error()=%q does not name %s and %q", msg, tt.wantVar, tt.wantValue)
			}
		})
	}
}

func TestLoad_ErrorMessage(t *testing.T) {
	MustEnv(t, with(map[string]string{"KEYSYNC_POLL_INTERVAL": "5x"}))
	_, err := Load()
	if got, want := err.Error(), `KEYSYNC_POLL_INTERVAL="5x": not a duration (e.g. 5s, 1m)`; got != want {
		t.Fatalf("error=%q, want %q", got, want)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Var != "KEYSYNC_POLL_INTERVAL" || ce.Value != "5x" {
		t.Fatalf("errors.As gave %#v", ce)
	}
}

func TestLoad_ReportsEveryProblem(t *testing.T) {
	errs := MustFail(t, with(map[string]string{
		"KEYSYNC_CENTRAL_DSN":       unset,
		"KEYSYNC_SOURCES":           "shop,blog",
		"KEYSYNC_CHECK_DIGIT":       "mod11",
		"KEYSYNC_NUMBER_FORMAT":     "{seq:8}{chek}",
		"KEYSYNC_SEQUENCE_START":    "x",
		"KEYSYNC_HH_SEQUENCE_START": "y",
		"KEYSYNC_POLL_INTERVAL":     "5x",
		"KEYSYNC_BATCH_SIZE":        "many",
		"KEYSYNC_BACKOFF_MAX":       "1ms",
		"KEYSYNC_LOG_LEVEL":         "loud",
		"KEYSYNC_SOURCE_SHOP_PIDS":  "a",
		"KEYSYNC_SOURCE_SHOP_TABLE": "a b",
		"KEYSYNC_SOURCE_BLOG_DSN":   "wp:" + testPassword + "@tcp(h:3306)/",
	}))
	want := []string{
		"KEYSYNC_CENTRAL_DSN", "KEYSYNC_CHECK_DIGIT", "KEYSYNC_NUMBER_FORMAT", "KEYSYNC_SEQUENCE_START",
		"KEYSYNC_HH_SEQUENCE_START", "KEYSYNC_POLL_INTERVAL", "KEYSYNC_BATCH_SIZE", "KEYSYNC_BACKOFF_MAX",
		"KEYSYNC_LOG_LEVEL", "KEYSYNC_SOURCE_SHOP_PIDS", "KEYSYNC_SOURCE_SHOP_TABLE",
		"KEYSYNC_SOURCE_BLOG_KIND", "KEYSYNC_SOURCE_BLOG_DSN",
	}
	for _, name := range want {
		if findError(errs, name) == nil {
			t.Errorf("no error about %s", name)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d: %v", len(errs), len(want), errs)
	}
}

func TestSource(t *testing.T) {
	c := MustLoad(t, validEnv())
	if s, ok := c.Source("SHOP"); !ok || s.Name != "shop" {
		t.Errorf(`Source("SHOP")=%+v, %v`, s, ok)
	}
	if _, ok := c.Source("blog"); ok {
		t.Errorf(`Source("blog") found a source`)
	}
}
