package sqlutil

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Status grades a Finding.
type Status string

// Finding statuses. Only StatusFail needs action before keysync can work
// well; StatusWarn is worth an operator's look.
const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusFail Status = "fail"
)

// Names of the checks that `keysync doctor` runs on each database.
const (
	CheckConnect    = "connectivity"
	CheckPrivileges = "privileges"
	CheckSchema     = "schema"
	CheckIndex      = "index"
	CheckCollation  = "collation"
	CheckSQLMode    = "sql_mode"
	CheckClock      = "clock"
	CheckTLS        = "tls"
	CheckChecksums  = "checksums"
	CheckOpenCounts = "open_conflict_counts"
)

// Finding is one result of a diagnosis: what was checked, what was found
// and, unless it is fine, the statement or command that fixes it.
type Finding struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// MaxSkew is the clock difference between keysync's host and a database
// from which doctor warns. keysync judges TYPO3's starttime and endtime by
// its own clock and stamps the history with it, while portals and admins
// read the databases' clocks: a few seconds are noise, more is a broken NTP.
const MaxSkew = 2 * time.Second

// Server is what a keysync session sees of its database server.
type Server struct {
	Version  string
	User     string // CURRENT_USER(), the account privileges are checked for
	Database string
	SQLMode  string
	// SSLCipher is empty for a plain-text connection.
	SSLCipher, SSLVersion string
	// Skew is the server's UTC clock minus the local clock, measured at the
	// middle of the fastest of a few round trips; RoundTrip bounds its error.
	Skew, RoundTrip time.Duration
}

// Probe reads the session facts doctor judges, on one connection so that
// the TLS status is that of the session that ran the queries. now is the
// local clock.
func Probe(ctx context.Context, db *sql.DB, now func() time.Time) (Server, error) {
	var s Server
	conn, err := db.Conn(ctx)
	if err != nil {
		return s, err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT VERSION(), CURRENT_USER(), COALESCE(DATABASE(), ''), @@SESSION.sql_mode`).Scan(&s.Version, &s.User, &s.Database, &s.SQLMode); err != nil {
		return s, fmt.Errorf("read session: %w", err)
	}
	rows, err := conn.QueryContext(ctx, `SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')`)
	if err != nil {
		return s, fmt.Errorf("read TLS status: %w", err)
	}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			return s, fmt.Errorf("read TLS status: %w", err)
		}
		if strings.EqualFold(name, "Ssl_cipher") {
			s.SSLCipher = value
		} else {
			s.SSLVersion = value
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("read TLS status: %w", err)
	}
	s.RoundTrip = -1
	for range 3 {
		var server time.Time
		t0 := now()
		if err := conn.QueryRowContext(ctx, `SELECT UTC_TIMESTAMP(6)`).Scan(&server); err != nil {
			return s, fmt.Errorf("read clock: %w", err)
		}
		t1 := now()
		if rtt := t1.Sub(t0); s.RoundTrip < 0 || rtt < s.RoundTrip {
			s.RoundTrip = rtt
			s.Skew = server.Sub(t0.Add(rtt / 2))
		}
	}
	return s, nil
}

// ClockFinding judges a measured skew against MaxSkew.
func ClockFinding(s Server) Finding {
	f := Finding{Check: CheckClock, Status: StatusOK,
		Detail: fmt.Sprintf("server clock differs from keysync's by %s (measured to within %s)", fmtSkew(s.Skew), s.RoundTrip.Round(time.Microsecond))}
	if s.Skew > MaxSkew || s.Skew < -MaxSkew {
		f.Status = StatusWarn
		f.Detail += fmt.Sprintf(", more than %s: TYPO3's starttime/endtime and the history's times are judged by different clocks", MaxSkew)
		f.Fix = "synchronise the clocks of the keysync host and the database host with NTP (timedatectl set-ntp true; chronyc tracking shows the offset)"
	}
	return f
}

// fmtSkew prints a signed duration in seconds to the millisecond.
func fmtSkew(d time.Duration) string {
	return fmt.Sprintf("%+.3fs", d.Seconds())
}

// SQLModeFinding judges the sql_mode of keysync's own database. Without a
// strict mode MariaDB truncates a value that does not fit, or turns a bad
// one into a default, with only a warning: in the table that hands out
// customer numbers that is a silent data bug instead of an error.
func SQLModeFinding(mode string) Finding {
	f := Finding{Check: CheckSQLMode, Status: StatusOK, Detail: "sql_mode " + quoteMode(mode) + " is strict"}
	for _, m := range strings.Split(mode, ",") {
		if m == "STRICT_TRANS_TABLES" || m == "STRICT_ALL_TABLES" {
			return f
		}
	}
	f.Status = StatusWarn
	f.Detail = "sql_mode " + quoteMode(mode) + " lacks STRICT_TRANS_TABLES: a value that does not fit is truncated with a warning instead of failing the transaction"
	f.Fix = "SET GLOBAL sql_mode = CONCAT_WS(',', NULLIF(@@GLOBAL.sql_mode, ''), 'STRICT_TRANS_TABLES'); and add STRICT_TRANS_TABLES to sql_mode in the server's my.cnf so that it survives a restart"
	return f
}

func quoteMode(mode string) string { return "'" + mode + "'" }

// ConnectFinding explains why a database could not be reached; dsnVar
// names the variable holding its DSN.
func ConnectFinding(err error, dsnVar string, t Transport) Finding {
	f := Finding{Check: CheckConnect, Status: StatusFail, Detail: err.Error()}
	var me *mysql.MySQLError
	var ne net.Error
	switch {
	case errors.As(err, &me) && me.Number == 1045:
		f.Fix = fmt.Sprintf("check the user and password in %s; an admin creates the account with CREATE USER %s IDENTIFIED BY '<password>'; and runs the statements of `keysync grants`", dsnVar, Account(t.User, "<keysync host>"))
	case errors.As(err, &me) && me.Number == 1049:
		f.Fix = fmt.Sprintf("fix the database name in %s, or create it: CREATE DATABASE %s;", dsnVar, QuoteName(t.Database))
	case errors.As(err, &me) && me.Number == 1044:
		f.Fix = "run the statements of `keysync grants` for this database as an admin"
	case errors.As(err, &ne), strings.Contains(err.Error(), "connection refused"), strings.Contains(err.Error(), "no such host"):
		f.Fix = fmt.Sprintf("is the server running and reachable at %s? check host and port in %s, the server's bind-address and the firewall", t.Addr, dsnVar)
	default:
		f.Fix = "check " + dsnVar
	}
	return f
}

// TableCollation returns the collation of a table of the session's
// database, or "" when the account cannot see the table.
func TableCollation(ctx context.Context, db *sql.DB, table string) (string, error) {
	var c sql.NullString
	err := db.QueryRowContext(ctx, `SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c.String, err
}

// charset returns the character set a collation belongs to, by MariaDB's
// naming rule: utf8mb4_unicode_ci belongs to utf8mb4.
func charset(collation string) string {
	cs, _, _ := strings.Cut(collation, "_")
	return cs
}

// CollationFinding compares a portal table's collation with the central
// one. keysync never compares strings across the two databases: it reads
// portal rows into Go, normalises them there (NFC, case, transliteration)
// and stores only normalised values centrally, so a different collation
// does not change a decision. It matters to an admin who joins the two in
// SQL ("Illegal mix of collations"), and a character set other than
// utf8mb4 cannot store every character a registrant types.
func CollationFinding(table, collation, central string) Finding {
	f := Finding{Check: CheckCollation, Status: StatusOK}
	switch {
	case collation == "" || central == "":
		f.Detail = "collation not compared: the table or the central database could not be read"
	case collation == central:
		f.Detail = table + " uses " + collation + ", like the central database"
	case charset(collation) == charset(central):
		f.Detail = fmt.Sprintf("%s uses %s, the central database %s: the same character set; keysync compares normalised values in Go, never strings across databases, so this is fine (SQL joins across them need COLLATE)", table, collation, central)
	default:
		f.Status = StatusWarn
		f.Detail = fmt.Sprintf("%s uses %s, the central database %s: keysync compares normalised values in Go, never strings across databases, so matching is not affected; but %s cannot store every character a registrant types, and SQL joins across the databases need CONVERT ... USING",
			table, collation, central, charset(collation))
		if charset(collation) != "utf8mb4" {
			f.Fix = fmt.Sprintf("when the portal's admins agree (back up first): ALTER TABLE %s CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;", QuoteName(table))
		}
	}
	return f
}
