package config

import (
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// redacted replaces a password wherever keysync shows a DSN.
const redacted = "xxxxx"

// dsnShape is the example shown when a DSN is wrong.
const dsnShape = "want user:password@tcp(host:3306)/dbname"

// RedactDSN returns dsn with its password replaced by "xxxxx", so that a DSN
// can be shown in errors, logs and `keysync config`. A DSN the driver accepts
// is re-formatted by the driver with the password it would use replaced. For
// one it rejects, everything from the first ':' to the last '@' is replaced:
// that covers the password even when it holds '/' or '(' and the driver could
// not tell where it ends, at the cost of hiding more than needed.
func RedactDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	if cfg, err := parseDSN(dsn); err == nil {
		if cfg.Passwd != "" {
			cfg.Passwd = redacted
		}
		return cfg.FormatDSN()
	}
	if start, end, ok := secretSpan(dsn); ok {
		return dsn[:start] + redacted + dsn[end:]
	}
	return dsn
}

// secretSpan returns where the password may be in a DSN the driver rejects:
// from after the first ':' up to the last '@'. ok is false when the DSN has
// no ':' before an '@', and so no password.
func secretSpan(dsn string) (start, end int, ok bool) {
	end = strings.LastIndexByte(dsn, '@')
	if end < 0 {
		return 0, 0, false
	}
	colon := strings.IndexByte(dsn[:end], ':')
	if colon < 0 {
		return 0, 0, false
	}
	return colon + 1, end, true
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

// checkDSN returns the reason a DSN cannot be used, or "" when it can. The
// driver's own message is included only when it shares no three characters
// in a row with the password, since the driver quotes parts of the DSN.
func checkDSN(dsn string) string {
	cfg, err := parseDSN(dsn)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "invalid DSN: ")
		if start, end, ok := secretSpan(dsn); ok && sharesRun(msg, dsn[start:end], 3) {
			msg = "the driver's detail is withheld because it may quote the password"
		}
		return "not a valid DSN (" + msg + "); " + dsnShape
	}
	if cfg.DBName == "" {
		return "names no database; " + dsnShape
	}
	return ""
}

// sharesRun reports whether msg contains n consecutive bytes of secret, or
// all of secret when it is shorter than n.
func sharesRun(msg, secret string, n int) bool {
	if secret == "" {
		return false
	}
	if len(secret) <= n {
		return strings.Contains(msg, secret)
	}
	for i := 0; i+n <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+n]) {
			return true
		}
	}
	return false
}
