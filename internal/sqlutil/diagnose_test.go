package sqlutil

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestRequirement_Grant(t *testing.T) {
	for _, tc := range []struct {
		r    Requirement
		want string
	}{
		{Requirement{Privileges: []string{"SELECT", "INSERT"}}, "GRANT SELECT, INSERT ON `db`.* TO `u`@`h`;"},
		{Requirement{Privileges: []string{"SELECT"}, Table: "wp_users"}, "GRANT SELECT ON `db`.`wp_users` TO `u`@`h`;"},
		{Requirement{Privileges: []string{"SELECT", "UPDATE"}, Table: "t", Columns: []string{"a", "b"}}, "GRANT SELECT (a, b), UPDATE (a, b) ON `db`.`t` TO `u`@`h`;"},
	} {
		if got := tc.r.Grant("db", Account("u", "h")); got != tc.want {
			t.Errorf("Grant = %q, want %q", got, tc.want)
		}
	}
	if got := Account("o'b\\`x", "%"); got != "`o'b\\``x`@`%`" {
		t.Errorf("Account = %s", got)
	}
	if got := QuoteName("we`ird"); got != "`we``ird`" {
		t.Errorf("QuoteName = %s", got)
	}
}

// privs builds Privileges from "level priv [table [column]]" lines.
func privs(lines ...string) *Privileges {
	p := &Privileges{Account: "'k'@'%'", global: map[string]bool{}, schema: map[string]bool{},
		table: map[string]map[string]bool{}, column: map[string]map[string]map[string]bool{}}
	for _, l := range lines {
		f := strings.Fields(l)
		switch f[0] {
		case "global":
			p.global[f[1]] = true
		case "schema":
			p.schema[f[1]] = true
		case "table":
			setIn(p.table, f[2])[f[1]] = true
		case "column":
			if p.column[f[2]] == nil {
				p.column[f[2]] = map[string]map[string]bool{}
			}
			setIn(p.column[f[2]], f[1])[f[3]] = true
		}
	}
	return p
}

var typo3Reqs = []Requirement{
	{Privileges: []string{"SELECT"}, Table: "fe_users", Columns: []string{"uid", "email"}, Why: "read"},
	{Privileges: []string{"SELECT", "UPDATE"}, Table: "fe_users", Columns: []string{"num"}, Why: "write"},
	{Privileges: []string{"ALTER"}, Table: "fe_users", MigrateOnly: true, Why: "migrate"},
}

func TestPrivileges_MissingAndExcess(t *testing.T) {
	exact := privs("column SELECT fe_users uid", "column SELECT fe_users email", "column SELECT fe_users num", "column UPDATE fe_users num")
	for _, r := range typo3Reqs[:2] {
		if m := exact.Missing(r); len(m) != 0 {
			t.Errorf("exact grants miss %+v", m)
		}
	}
	if m := exact.Missing(typo3Reqs[2]); len(m) != 1 {
		t.Errorf("ALTER: %+v", m)
	}
	if e := exact.Excess(typo3Reqs); len(e) != 0 {
		t.Errorf("exact grants exceed: %q", e)
	}

	partial := privs("column SELECT fe_users uid", "column SELECT fe_users num")
	m := partial.Missing(typo3Reqs[1])
	if len(m) != 1 || m[0].Privileges[0] != "UPDATE" || !slices.Equal(m[0].Columns, []string{"num"}) {
		t.Errorf("partial: %+v", m)
	}
	if m := partial.Missing(typo3Reqs[0]); len(m) != 1 || !slices.Equal(m[0].Columns, []string{"email"}) {
		t.Errorf("partial: %+v", m)
	}

	broad := privs("global SELECT", "schema UPDATE", "table UPDATE fe_users", "column UPDATE fe_users password", "table ALTER fe_users")
	for _, r := range typo3Reqs {
		if m := broad.Missing(r); len(m) != 0 {
			t.Errorf("broad grants miss %+v", m)
		}
	}
	want := []string{"global SELECT", "UPDATE on the whole database", "UPDATE on fe_users", "UPDATE (password) on fe_users"}
	if got := broad.Excess(typo3Reqs); !slices.Equal(got, want) {
		t.Errorf("Excess = %q, want %q", got, want)
	}

	central := []Requirement{{Privileges: []string{"SELECT", "INSERT"}}, {Privileges: []string{"CREATE"}, MigrateOnly: true}}
	if e := privs("schema SELECT", "schema INSERT", "schema CREATE").Excess(central); len(e) != 0 {
		t.Errorf("central: %q", e)
	}
}

func TestPrivilegeFindings(t *testing.T) {
	fs := PrivilegeFindings(privs("column SELECT fe_users uid", "column SELECT fe_users email", "column SELECT fe_users num"), "typo3", typo3Reqs)
	if len(fs) != 1 || fs[0].Status != StatusFail || fs[0].Fix != "GRANT UPDATE (num) ON `typo3`.`fe_users` TO 'k'@'%';" || !strings.Contains(fs[0].Detail, "UPDATE (num) on fe_users to write") {
		t.Errorf("missing UPDATE: %+v", fs)
	}
	fs = PrivilegeFindings(privs("global SELECT", "global UPDATE", "column SELECT fe_users uid"), "typo3", typo3Reqs)
	if len(fs) != 2 || fs[0].Status != StatusOK || fs[1].Status != StatusWarn || !strings.Contains(fs[1].Detail, "global SELECT, UPDATE") {
		t.Errorf("root: %+v", fs)
	}
	fs = PrivilegeFindings(privs("column SELECT fe_users uid", "column SELECT fe_users email", "column SELECT fe_users num", "column UPDATE fe_users num"), "typo3", typo3Reqs)
	if len(fs) != 1 || fs[0].Status != StatusOK || !strings.Contains(fs[0].Detail, "not ALTER on fe_users, which only `keysync migrate` needs") {
		t.Errorf("exact: %+v", fs)
	}
}

func TestTransportAndTLSFinding(t *testing.T) {
	for _, tc := range []struct {
		dsn    string
		local  bool
		tls    string
		cipher string
		status Status
		detail string
	}{
		{"u:p@tcp(127.0.0.1:3306)/db", true, "", "", StatusOK, "never leaves this host"},
		{"u:p@tcp(localhost:3306)/db", true, "", "", StatusOK, "never leaves this host"},
		{"u:p@unix(/run/mysqld/mysqld.sock)/db", true, "", "", StatusOK, "never leaves this host"},
		{"u:p@tcp([::1]:3306)/db", true, "", "", StatusOK, "never leaves this host"},
		{"u:p@tcp(db.example:3306)/db", false, "", "", StatusWarn, "not encrypted"},
		{"u:p@tcp(10.0.0.5:3306)/db?tls=preferred", false, "preferred", "", StatusWarn, "fell back to plain text"},
		{"u:p@tcp(10.0.0.5:3306)/db?tls=true", false, "true", "TLS_AES_256_GCM_SHA384", StatusOK, "encrypted with TLS_AES_256_GCM_SHA384"},
		{"u:p@tcp(10.0.0.5:3306)/db?tls=skip-verify", false, "skip-verify", "TLS_AES_256_GCM_SHA384", StatusWarn, "not verified"},
	} {
		tr, err := ParseTransport(tc.dsn)
		if err != nil {
			t.Fatalf("%s: %v", tc.dsn, err)
		}
		if tr.Local != tc.local || tr.TLS != tc.tls || tr.Database != "db" || tr.User != "u" {
			t.Errorf("%s: %+v", tc.dsn, tr)
		}
		f := TLSFinding(tr, tc.cipher, "TLSv1.3")
		if f.Status != tc.status || !strings.Contains(f.Detail, tc.detail) || (f.Status != StatusOK) != (f.Fix != "") {
			t.Errorf("%s: %+v", tc.dsn, f)
		}
	}
	if _, err := ParseTransport("u:secret@tcp(db:3306"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad DSN: %v", err)
	}
}

func TestSQLModeFinding(t *testing.T) {
	for mode, ok := range map[string]bool{
		"STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION": true,
		"STRICT_ALL_TABLES":                          true,
		"":                                           false,
		"NO_ENGINE_SUBSTITUTION":                     false,
	} {
		f := SQLModeFinding(mode)
		if (f.Status == StatusOK) != ok || (!ok && !strings.Contains(f.Fix, "SET GLOBAL sql_mode")) {
			t.Errorf("%q: %+v", mode, f)
		}
	}
}

func TestClockFinding(t *testing.T) {
	for skew, status := range map[time.Duration]Status{
		0: StatusOK, 1500 * time.Millisecond: StatusOK, -2 * time.Second: StatusOK,
		2001 * time.Millisecond: StatusWarn, -5 * time.Second: StatusWarn,
	} {
		f := ClockFinding(Server{Skew: skew, RoundTrip: time.Millisecond})
		if f.Status != status || !strings.Contains(f.Detail, fmt.Sprintf("%+.3fs", skew.Seconds())) {
			t.Errorf("skew %s: %+v", skew, f)
		}
	}
}

func TestCollationFinding(t *testing.T) {
	if f := CollationFinding("fe_users", "utf8mb4_unicode_ci", "utf8mb4_bin"); f.Status != StatusOK {
		t.Errorf("same charset: %+v", f)
	}
	if f := CollationFinding("fe_users", "utf8mb3_general_ci", "utf8mb4_bin"); f.Status != StatusWarn || !strings.Contains(f.Fix, "CONVERT TO CHARACTER SET utf8mb4") || !strings.Contains(f.Detail, "never strings across databases") {
		t.Errorf("utf8mb3: %+v", f)
	}
	if f := CollationFinding("fe_users", "latin1_swedish_ci", ""); f.Status != StatusOK || !strings.Contains(f.Detail, "not compared") {
		t.Errorf("unknown central: %+v", f)
	}
}

func TestConnectFinding(t *testing.T) {
	tr := Transport{Addr: "db.example:3306", User: "keysync", Database: "typo3"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&mysql.MySQLError{Number: 1045, Message: "Access denied"}, "check the user and password in VAR"},
		{&mysql.MySQLError{Number: 1049, Message: "Unknown database"}, "CREATE DATABASE `typo3`"},
		{&mysql.MySQLError{Number: 1044, Message: "Access denied to database"}, "keysync grants"},
		{errors.New("dial tcp 10.0.0.1:3306: connect: connection refused"), "reachable at db.example:3306"},
	} {
		f := ConnectFinding(tc.err, "VAR", tr)
		if f.Status != StatusFail || !strings.Contains(f.Fix, tc.want) {
			t.Errorf("%v: %+v", tc.err, f)
		}
	}
}

// TestConnectFinding_QuotesNames: names from a DSN reach the printed fix
// quoted as identifiers, so that one holding a backtick or a quote cannot
// end the name and add a statement of its own.
func TestConnectFinding_QuotesNames(t *testing.T) {
	tr := Transport{Addr: "db.example:3306", User: "o'brien`; DROP USER root; --", Database: "typo3`; DROP DATABASE central; --"}
	f := ConnectFinding(&mysql.MySQLError{Number: 1049}, "VAR", tr)
	if want := "CREATE DATABASE `typo3``; DROP DATABASE central; --`;"; !strings.Contains(f.Fix, want) {
		t.Errorf("fix %q, want %q", f.Fix, want)
	}
	f = ConnectFinding(&mysql.MySQLError{Number: 1045}, "VAR", tr)
	if want := "CREATE USER `o'brien``; DROP USER root; --`@`<keysync host>` IDENTIFIED BY"; !strings.Contains(f.Fix, want) {
		t.Errorf("fix %q, want %q", f.Fix, want)
	}
}
