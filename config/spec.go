package config

import (
	"strings"
	"time"
)

// prefix is what every keysync variable starts with, so that keysync's
// settings never collide with anything else in the environment.
const prefix = "KEYSYNC"

// globalVars is what envconfig reads under KEYSYNC_. Its tags are the one
// place that names the variables and their defaults; Usage, Redacted and
// the unknown-variable warnings are all derived from them. Required
// variables carry no `required` tag because Load checks them itself: a DSN
// may come from a _FILE variable instead. Names come from split_words, never
// from an envconfig:"..." tag: with one, envconfig also falls back to the
// bare name without KEYSYNC_, and would read an unrelated DSN variable.
type globalVars struct {
	CentralDSN      string        `split_words:"true" desc:"required; DSN of keysync's own database, user:password@tcp(host:3306)/dbname; charset only utf8mb4, utf8mb3, utf8, latin1 or ascii; allowAllFiles and allowCleartextPasswords are refused"`
	CentralDSNFile  string        `split_words:"true" desc:"file holding KEYSYNC_CENTRAL_DSN instead, so the password stays out of the environment: a regular file of at most 64 KiB, readable by keysync's account or group only (a warning otherwise)"`
	Sources         string        `desc:"required; comma-separated source names (a-z, 0-9, _), each configured by KEYSYNC_SOURCE_<NAME>_*"`
	NumberFormat    string        `split_words:"true" default:"{seq:8}{check}" desc:"template of customer numbers: literal text, {seq:N}, {check}, {country}"`
	CheckDigit      string        `split_words:"true" default:"damm" desc:"check digit algorithm for {check}: damm, luhn, verhoeff, iso7064-97-10"`
	SequenceStart   uint64        `split_words:"true" default:"1" desc:"first sequence value of customer numbers"`
	HHFormat        string        `split_words:"true" default:"{seq:7}" desc:"template of Wibisoft household ids"`
	HHSequenceStart uint64        `split_words:"true" default:"1" desc:"first sequence value of household ids"`
	PEFormat        string        `split_words:"true" default:"{seq:8}" desc:"template of Wibisoft person ids"`
	PESequenceStart uint64        `split_words:"true" default:"1" desc:"first sequence value of person ids"`
	PollInterval    time.Duration `split_words:"true" default:"5s" desc:"time from the start of one look for new portal accounts to the next (a look that takes longer is followed at once), at least 100ms"`
	BatchSize       int           `split_words:"true" default:"500" desc:"accounts handled per round, 1 to 5000"`
	BackoffMax      time.Duration `split_words:"true" default:"5m" desc:"longest wait between retries after errors, at least 1s"`
	LogFormat       string        `split_words:"true" default:"auto" desc:"auto (coloured text on a terminal, else json), text or json"`
	LogLevel        string        `split_words:"true" default:"info" desc:"debug, info, warn or error"`
	MatchSame       float64       `split_words:"true" default:"0.95" desc:"fuzzy match score at or above which a registration with the same birth date is the same person (reuses the number)"`
	MatchReview     float64       `split_words:"true" default:"0.8" desc:"fuzzy match score from which a registration gets a new number and a suspected_duplicate conflict for review"`
	MatchNamesBits  float64       `split_words:"true" default:"4" desc:"evidence in bits that names must carry to send a registration to review when they are all there is to compare: -log2 of the accounts expected to bear both names by chance"`
	HTTPAddr        string        `split_words:"true" desc:"host:port where keysync run serves /healthz and /metrics, e.g. 127.0.0.1:9464; empty turns it off; keep it on loopback"`
	TLSCaFile       string        `split_words:"true" desc:"PEM file of the CA that signed the database servers' certificates; DSNs use it with tls=keysync"`

	// The registration API that portals call at registration.
	APIAddr        string `split_words:"true" desc:"host:port where keysync run serves the registration API, e.g. 127.0.0.1:9465; empty turns it off; an address beyond loopback needs KEYSYNC_API_TLS_CERT_FILE and KEYSYNC_API_TLS_KEY_FILE"`
	APITokenFile   string `split_words:"true" desc:"required with KEYSYNC_API_ADDR; file holding the bearer token the portals send: at least 32 printable characters without spaces (openssl rand -hex 32), readable by keysync's account or group only (a warning otherwise)"`
	ApiTLSCertFile string `split_words:"true" desc:"PEM certificate (chain) the API serves HTTPS with; with KEYSYNC_API_TLS_KEY_FILE"`
	ApiTLSKeyFile  string `split_words:"true" desc:"PEM private key of KEYSYNC_API_TLS_CERT_FILE"`
	APIMaxInFlight int    `split_words:"true" default:"16" desc:"API requests worked on at once, 1 to 1000; more are answered 429 with Retry-After"`

	// The daemon's own reconciliation; a systemd timer running `keysync
	// reconcile` is the alternative.
	ReconcileSchedule string `split_words:"true" default:"0 3 * * *" desc:"when keysync run reconciles every source: a cron spec (minute hour day-of-month month day-of-week, or @daily, @every 6h, CRON_TZ=Europe/Vienna ...); empty turns it off"`

	// The systems persons are exported to.
	Sinks string `desc:"comma-separated sink names (a-z, 0-9, _), each configured by KEYSYNC_SINK_<NAME>_*; empty: no exports"`
	// Retention: persons whose accounts are all deleted are forgotten.
	ForgetAfter string `split_words:"true" desc:"forget the persons whose accounts have all been deleted for longer than this, on the reconciliation schedule and in keysync reconcile: days (730d) or a Go duration (17520h), at least 1d; empty (the default) never forgets"`

	// The Wibisoft file, imported and written back.
	WibisoftColumns string `split_words:"true" desc:"header names of a Wibisoft file that differ from Wibisoft's own (HH-ID, PE-ID, Anrede, Titel, Vorname, Nachname, Geburtsdatum, Straße, PLZ, Ort, Land, E-Mail, Telefon, Kundennummer, Mobil): key=Header, comma-separated, e.g. pe_id=Personennummer,hh_id=Haushalt; nothing after = for a column the file lacks; keys: hh_id, pe_id, salutation, title, first_name, last_name, birth_date, street, zip, city, country, email, phone, number, mobile"`
}

// sourceVars is what envconfig reads under KEYSYNC_SOURCE_<NAME>_ for each
// name in KEYSYNC_SOURCES.
type sourceVars struct {
	Kind              string        `desc:"required; portal kind: typo3 or wordpress"`
	DSN               string        `desc:"required; DSN of the portal database, user:password@tcp(host:3306)/dbname; the same parameters as KEYSYNC_CENTRAL_DSN are refused"`
	DSNFile           string        `split_words:"true" desc:"file holding the DSN instead, as KEYSYNC_CENTRAL_DSN_FILE"`
	Country           string        `desc:"ISO 3166 alpha-2 code of the portal's country: for rows without one, and for {country}; required when a template uses {country}"`
	Table             string        `default:"fe_users" desc:"typo3: table of frontend users"`
	Pids              []uint64      `desc:"typo3: comma-separated storage folder uids to work on; empty means all"`
	NumberColumn      string        `split_words:"true" default:"tx_keysync_customer_number" desc:"typo3: column keysync writes the customer number to; name an existing column to adopt its values; TYPO3's own columns (password, username, usergroup ...) are refused"`
	HHColumn          string        `split_words:"true" default:"tx_keysync_wibisoft_hh_id" desc:"typo3: column keysync writes the household id to"`
	PEColumn          string        `split_words:"true" default:"tx_keysync_wibisoft_pe_id" desc:"typo3: column keysync writes the person id to"`
	TablePrefix       string        `split_words:"true" default:"wp_" desc:"wordpress: $table_prefix of wp-config.php"`
	UsersTable        string        `split_words:"true" desc:"wordpress: users table when not <prefix>users (CUSTOM_USER_TABLE)"`
	UsermetaTable     string        `split_words:"true" desc:"wordpress: user meta table when not <prefix>usermeta (CUSTOM_USER_META_TABLE)"`
	NumberKey         string        `split_words:"true" default:"keysync_customer_number" desc:"wordpress: meta key of the customer number; WordPress's own keys (<prefix>capabilities, session_tokens, first_name ...) are refused"`
	HHKey             string        `split_words:"true" default:"keysync_wibisoft_hh_id" desc:"wordpress: meta key of the household id"`
	PEKey             string        `split_words:"true" default:"keysync_wibisoft_pe_id" desc:"wordpress: meta key of the person id"`
	AfterWrite        string        `split_words:"true" desc:"wordpress: shell command run after a user's meta was written; {id} is the user id (also in KEYSYNC_USER_ID), e.g. wp cache delete {id} user_meta"`
	AfterWriteTimeout time.Duration `split_words:"true" default:"10s" desc:"wordpress: how long the after-write command may run"`
	Fields            string        `desc:"where the master data is read, on top of the kind's defaults: field=column (typo3) or field=meta_key (wordpress), comma-separated; several joined with +, nothing after = reads the field from nowhere; fields: salutation, title, first_name, last_name, birth_date, street, zip, city, country, email, phone, mobile, company"`
	Salutations       string        `default:"0=Herr,1=Frau" desc:"salutation of each gender code the salutation field holds (femanager and sr_feuser_register: 0 male, 1 female): code=salutation, comma-separated; an unlisted code is unknown, other text is taken as it is"`
	Timezone          string        `desc:"typo3: time zone of the TYPO3 server ($GLOBALS['TYPO3_CONF_VARS']['SYS']['phpTimeZone'], e.g. Europe/Vienna), in which date_of_birth holds midnight; empty: the nearest midnight, right within eleven hours of UTC"`
}

// The global variable names, for error messages and Redacted. A test checks
// each against the names envconfig derives from globalVars.
const (
	varCentralDSN      = "KEYSYNC_CENTRAL_DSN"
	varSources         = "KEYSYNC_SOURCES"
	varNumberFormat    = "KEYSYNC_NUMBER_FORMAT"
	varCheckDigit      = "KEYSYNC_CHECK_DIGIT"
	varSequenceStart   = "KEYSYNC_SEQUENCE_START"
	varHHFormat        = "KEYSYNC_HH_FORMAT"
	varHHSequenceStart = "KEYSYNC_HH_SEQUENCE_START"
	varPEFormat        = "KEYSYNC_PE_FORMAT"
	varPESequenceStart = "KEYSYNC_PE_SEQUENCE_START"
	varPollInterval    = "KEYSYNC_POLL_INTERVAL"
	varBatchSize       = "KEYSYNC_BATCH_SIZE"
	varBackoffMax      = "KEYSYNC_BACKOFF_MAX"
	varLogFormat       = "KEYSYNC_LOG_FORMAT"
	varLogLevel        = "KEYSYNC_LOG_LEVEL"
	varMatchSame       = "KEYSYNC_MATCH_SAME"
	varMatchReview     = "KEYSYNC_MATCH_REVIEW"
	varMatchNamesBits  = "KEYSYNC_MATCH_NAMES_BITS"
	varHTTPAddr        = "KEYSYNC_HTTP_ADDR"
	varTLSCAFile       = "KEYSYNC_TLS_CA_FILE"
	varAPIAddr         = "KEYSYNC_API_ADDR"
	varAPITokenFile    = "KEYSYNC_API_TOKEN_FILE"
	varAPITLSCertFile  = "KEYSYNC_API_TLS_CERT_FILE"
	varAPITLSKeyFile   = "KEYSYNC_API_TLS_KEY_FILE"
	varAPIMaxInFlight  = "KEYSYNC_API_MAX_IN_FLIGHT"

	varReconcileSchedule = "KEYSYNC_RECONCILE_SCHEDULE"
	varSinks             = "KEYSYNC_SINKS"
	varForgetAfter       = "KEYSYNC_FORGET_AFTER"
	varWibisoftColumns   = "KEYSYNC_WIBISOFT_COLUMNS"
)

// The per-source variable names after KEYSYNC_SOURCE_<NAME>, checked by the
// same test against sourceVars.
const (
	sufKind         = "_KIND"
	sufDSN          = "_DSN"
	sufTable        = "_TABLE"
	sufPIDs         = "_PIDS"
	sufCountry      = "_COUNTRY"
	sufNumberColumn = "_NUMBER_COLUMN"
	sufHHColumn     = "_HH_COLUMN"
	sufPEColumn     = "_PE_COLUMN"

	sufTablePrefix       = "_TABLE_PREFIX"
	sufUsersTable        = "_USERS_TABLE"
	sufUsermetaTable     = "_USERMETA_TABLE"
	sufNumberKey         = "_NUMBER_KEY"
	sufHHKey             = "_HH_KEY"
	sufPEKey             = "_PE_KEY"
	sufAfterWrite        = "_AFTER_WRITE"
	sufAfterWriteTimeout = "_AFTER_WRITE_TIMEOUT"

	sufFields      = "_FIELDS"
	sufSalutations = "_SALUTATIONS"
	sufTimezone    = "_TIMEZONE"
)

// sourcePrefix returns the prefix of the variables of the named source.
func sourcePrefix(name string) string {
	return prefix + "_SOURCE_" + strings.ToUpper(name)
}
