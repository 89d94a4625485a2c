package sqlutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// SafeCharsets are the connection character sets keysync accepts. keysync
// binds values by client-side interpolation (one round trip per statement),
// which escapes a quote with a backslash byte. In these character sets no
// multi-byte character contains the byte of a backslash or a quote; in
// gbk, big5, sjis, cp932, gb2312 or gb18030 one does, and a registrant's
// name such as "丿' OR 1=1 -- " would then end the string literal and run
// as SQL.
var SafeCharsets = []string{"utf8mb4", "utf8mb3", "utf8", "latin1", "ascii"}

// sessionCharsetVars are system variables a DSN parameter could set on
// every connection, behind the driver's back, to the same effect as
// charset=.
var sessionCharsetVars = []string{"character_set_client", "character_set_connection", "collation_connection", "character_set_results"}

// UnsafeParamError is a DSN parameter keysync refuses, named so that an
// operator can find it; it never holds the DSN.
type UnsafeParamError struct {
	Param, Value, Reason string
}

func (e *UnsafeParamError) Error() string {
	return fmt.Sprintf("DSN parameter %s=%s: %s", e.Param, e.Value, e.Reason)
}

// ErrUnsafeDSN is wrapped by every *UnsafeParamError.
var ErrUnsafeDSN = errors.New("unsafe DSN parameter")

func (e *UnsafeParamError) Unwrap() error { return ErrUnsafeDSN }

// CheckDSNSafety returns the first parameter of cfg that would let a
// portal's data or server reach further than keysync allows, or nil:
//   - a character set outside SafeCharsets (charset=, a collation of
//     another character set, or a session variable setting one), which
//     breaks the escaping of interpolated values;
//   - allowAllFiles=true, with which a hostile server could read any local
//     file the daemon can read (the DSN files) through LOAD DATA LOCAL
//     INFILE;
//   - allowCleartextPasswords=true, which sends the password in clear
//     text, also without TLS.
//
// The configuration refuses such a DSN with exit code 2; Open refuses it
// too, so that no other path opens one.
func CheckDSNSafety(cfg *mysql.Config) error {
	if cfg.AllowAllFiles {
		return &UnsafeParamError{"allowAllFiles", "true", "lets the database server read any file keysync can read (LOAD DATA LOCAL INFILE); remove it"}
	}
	if cfg.AllowCleartextPasswords {
		return &UnsafeParamError{"allowCleartextPasswords", "true", "sends the password in clear text; use the server's default authentication, or TLS with tls=keysync"}
	}
	safe := "one of " + strings.Join(SafeCharsets, ", ")
	for _, cs := range charsets(cfg) {
		if !safeCharset(cs) {
			return &UnsafeParamError{"charset", cs, "keysync escapes values on the client, which is unsafe in this character set; use " + safe}
		}
	}
	if c := cfg.Collation; c != "" && !safeCharset(collationCharset(c)) {
		return &UnsafeParamError{"collation", c, "a collation of a character set in which client-side escaping is unsafe; use a collation of " + safe}
	}
	for k, v := range cfg.Params {
		if slices.Contains(sessionCharsetVars, strings.ToLower(k)) {
			return &UnsafeParamError{k, v, "keysync sets the connection character set itself; use charset= (" + safe + ")"}
		}
	}
	return nil
}

// charsets returns the DSN's charset parameter, a list the driver tries in
// order. The driver keeps it unexported; its canonical DSN shows it.
func charsets(cfg *mysql.Config) []string {
	s := cfg.FormatDSN()
	_, query, _ := strings.Cut(s[strings.LastIndexByte(s, '/')+1:], "?")
	for _, kv := range strings.Split(query, "&") {
		if v, ok := strings.CutPrefix(kv, "charset="); ok {
			return strings.Split(v, ",")
		}
	}
	return nil
}

func safeCharset(cs string) bool {
	return slices.Contains(SafeCharsets, strings.ToLower(strings.TrimSpace(cs)))
}

// collationCharset returns the character set a collation belongs to, the
// part before its first underscore (utf8mb4_unicode_ci is utf8mb4's).
func collationCharset(collation string) string {
	cs, _, _ := strings.Cut(collation, "_")
	return cs
}
