package config

import (
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/sqlutil"
)

// redacted replaces a password wherever keysync shows a DSN.
const redacted = "xxxxx"

// notShown stands for a DSN the driver cannot parse.
const notShown = "<not a DSN, not shown>"

// dsnShape is the example shown when a DSN is wrong.
const dsnShape = "expected user:password@tcp(host:port)/dbname?params"

// RedactDSN returns dsn with its password replaced by "xxxxx", so that a DSN
// can be shown in errors, logs and `keysync config`. A DSN the driver accepts
// is re-formatted by the driver with the password it would use replaced. One
// it rejects is not shown at all (notShown): without the driver's parse
// nobody can tell where its password ends, and a file holding only the
// password is a common mistake.
func RedactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	cfg, err := parseDSN(dsn)
	if err != nil {
		return notShown
	}
	if cfg.Passwd != "" {
		cfg.Passwd = redacted
	}
	return cfg.FormatDSN()
}

// parseDSN is mysql.ParseDSN that returns an error instead of panicking: the
// driver panics on some parameters (strict=...), and a typo in a variable
// must not crash the daemon with the DSN in the panic message.
func parseDSN(dsn string) (cfg *mysql.Config, err error) {
	defer func() {
		if r := recover(); r != nil {
			cfg, err = nil, fmt.Errorf("invalid DSN: %v", r)
		}
	}()
	return mysql.ParseDSN(dsn)
}

// checkDSN returns the reason a DSN cannot be used, or "" when it can. A
// DSN the driver cannot parse is never quoted, not even redacted: without
// the driver's parse nobody can tell where its password ends (a file
// holding only the password is the usual mistake), so the reason
// describes its shape instead. Of the driver's own messages only those
// that quote nothing of the DSN are passed on.
func checkDSN(dsn string) string {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return "not a valid DSN (" + describeDSN(dsn, err) + "); " + dsnShape
	}
	if cfg.DBName == "" {
		return "names no database; " + dsnShape
	}
	if err := sqlutil.CheckDSNSafety(cfg); err != nil {
		return err.Error()
	}
	return ""
}

// driverMessages are the driver's parse errors that quote nothing of the
// DSN.
var driverMessages = []string{
	"missing the slash separating the database name",
	"network address not terminated (missing closing brace)",
	"did you forget to escape a param value?",
	"strict mode has been removed",
}

// describeDSN says what is wrong with a DSN the driver rejected, in words
// that quote none of it: the parts it lacks, else the driver's message
// when it is one of driverMessages.
func describeDSN(dsn string, err error) string {
	var lacks []string
	if !strings.Contains(dsn, "@") {
		lacks = append(lacks, "no user:password@")
	}
	if !strings.Contains(dsn, "/") {
		lacks = append(lacks, "no /dbname")
	}
	if len(lacks) > 0 {
		return "it has " + strings.Join(lacks, " and ")
	}
	msg := strings.TrimPrefix(err.Error(), "invalid DSN: ")
	for _, m := range driverMessages {
		if strings.HasPrefix(msg, m) {
			return m
		}
	}
	return "a parameter or the address is malformed"
}
