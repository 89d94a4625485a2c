// Package config reads keysync's settings from the environment, the way a
// systemd EnvironmentFile provides them, and checks every one of them before
// the daemon opens a database, so that an operator sees all mistakes at once
// and never a password.
package config

import (
	"strings"
	"time"

	"keysync/sources/wibisoft"
	keysync "keysync/sync"
	"keysync/sync/number"
)

// Kinds lists the portal kinds keysync can read. It is a variable so that the
// list in error messages and help grows with each new source backend.
var Kinds = []string{"typo3", "wordpress"}

// Config is keysync's validated configuration. Templates are parsed once
// here so that a bad format stops the daemon at start-up; their text, as the
// operator wrote it, is NumberFormat and the templates' String method.
type Config struct {
	CentralDSN string
	Sources    []Source
	// Sinks are the systems persons are exported to, in the order of
	// KEYSYNC_SINKS.
	Sinks []Sink

	NumberFormat, CheckDigit  string
	Number, Household, Person *number.Template

	SequenceStart, HHSequenceStart, PESequenceStart uint64

	PollInterval, BackoffMax time.Duration
	BatchSize                int

	LogFormat, LogLevel string

	// MatchSame and MatchReview are the fuzzy matching thresholds.
	MatchSame, MatchReview float64
	// MatchNamesBits is the evidence names must carry where they are all
	// there is to compare.
	MatchNamesBits float64

	// HTTPAddr is where the daemon serves /healthz and /metrics; empty
	// means it serves nothing.
	HTTPAddr string
	// TLSCAFile is the PEM file of a private CA, registered with the driver
	// as tls=keysync; empty when none is configured.
	TLSCAFile string

	// API is the registration API; off when API.Addr is empty.
	API API

	// ReconcileSchedule is the cron spec of the daemon's reconciliation;
	// empty when it is off. Validate has parsed it.
	ReconcileSchedule string
	// ForgetAfter is the retention of persons whose accounts are all
	// deleted: 0 keeps them for ever.
	ForgetAfter time.Duration

	// WibisoftColumns are the columns of a Wibisoft file, as
	// KEYSYNC_WIBISOFT_COLUMNS names them; WibisoftColumnsText is its text.
	WibisoftColumns     []wibisoft.Column
	WibisoftColumnsText string

	// Warnings name settings that look like mistakes but do not stop the
	// daemon, such as a KEYSYNC_ variable that nothing reads.
	Warnings []string
}

// Source is one portal database that keysync assigns numbers in. Table and
// column names are configurable because portal admins sometimes rename them.
type Source struct {
	Name, Kind, DSN, Table string

	// PIDs limits keysync to these TYPO3 storage folders; empty means all.
	PIDs []uint64

	// Country is the ISO 3166 alpha-2 code put into {country}, upper-case.
	Country string

	NumberColumn, HHColumn, PEColumn string

	// WordPress: table prefix, optional custom user tables, the meta keys
	// keysync writes, and the command run after a write.
	TablePrefix, UsersTable, UsermetaTable string
	NumberKey, HHKey, PEKey                string
	AfterWrite                             string
	AfterWriteTimeout                      time.Duration

	// Fields changes the kind's default field mapping (the text of
	// _FIELDS parsed); Salutations maps gender codes; Location is the
	// TYPO3 server's time zone, nil for the nearest midnight.
	Fields      keysync.FieldMap
	FieldsText  string
	Salutations keysync.Salutations
	// SalutationsText and Timezone are the variables as given.
	SalutationsText string
	Timezone        string
	Location        *time.Location
}

// Source returns the source with the given name, so that commands taking a
// source name from the command line need not search the slice themselves.
// Names are stored lower-case, so any spelling finds the source.
func (c *Config) Source(name string) (Source, bool) {
	name = strings.ToLower(name)
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}
