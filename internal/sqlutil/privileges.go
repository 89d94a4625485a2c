package sqlutil

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Requirement is one set of privileges keysync needs on one table, or on
// every table of a database when Table is empty. The same list prints the
// GRANT statements (`keysync grants`) and is checked against what the
// connected account holds (`keysync doctor`), so the two cannot disagree.
type Requirement struct {
	Privileges []string
	Table      string
	// Columns limits the privileges to these columns; nil means the whole
	// table.
	Columns []string
	// MigrateOnly marks privileges only `keysync migrate` needs; the daemon
	// runs without them.
	MigrateOnly bool
	// Why says what keysync does with the privileges.
	Why string
}

// Grant returns the GRANT statement for r on database db to account, a
// quoted `user`@`host` as Account makes it.
func (r Requirement) Grant(db, account string) string {
	on := QuoteName(db) + ".*"
	if r.Table != "" {
		on = QuoteName(db) + "." + QuoteName(r.Table)
	}
	privs := strings.Join(r.Privileges, ", ")
	if r.Columns != nil {
		privs = ""
		for i, p := range r.Privileges {
			if i > 0 {
				privs += ", "
			}
			privs += p + " (" + strings.Join(r.Columns, ", ") + ")"
		}
	}
	return "GRANT " + privs + " ON " + on + " TO " + account + ";"
}

// QuoteName quotes any identifier with backticks, doubling backticks in it.
// Unlike Ident it accepts every name, for statements printed for an admin,
// such as a database name taken from a DSN.
func QuoteName(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// Account quotes user and host for a statement an admin runs, as
// `user`@`host`: MariaDB takes account names quoted as identifiers, whose
// only special character is the backtick (doubled), so the statement means
// the same whether or not the server's sql_mode has NO_BACKSLASH_ESCAPES. A
// string literal cannot do that: a backslash in it is an escape in one mode
// and a plain character in the other.
func Account(user, host string) string {
	return QuoteName(user) + "@" + QuoteName(host)
}

// grantee formats user and host the way MariaDB's information_schema
// GRANTEE columns hold an account: 'user'@'host' with backslashes doubled
// and quotes as they are. It is for comparisons only, never a statement.
func grantee(user, host string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, `\`, `\\`) + "'" }
	return q(user) + "@" + q(host)
}

// Privileges is what the connected account holds on its database and
// globally, read from information_schema, which shows an account its own
// privileges without any grant. Privileges of enabled roles are included.
type Privileges struct {
	// Account is the account as CURRENT_USER() names it, quoted.
	Account string
	global  map[string]bool
	schema  map[string]bool
	table   map[string]map[string]bool
	column  map[string]map[string]map[string]bool // table, privilege, lower-case column
}

// ReadPrivileges reads the privileges of the session's account and its
// enabled roles on the session's database (DATABASE()).
func ReadPrivileges(ctx context.Context, db *sql.DB) (*Privileges, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	p := &Privileges{global: map[string]bool{}, schema: map[string]bool{},
		table: map[string]map[string]bool{}, column: map[string]map[string]map[string]bool{}}
	var user string
	if err := conn.QueryRowContext(ctx, `SELECT CURRENT_USER()`).Scan(&user); err != nil {
		return nil, fmt.Errorf("read current user: %w", err)
	}
	name, host, _ := strings.Cut(user, "@")
	p.Account = Account(name, host)
	grantees := []any{grantee(name, host)}
	roles, err := conn.QueryContext(ctx, `SELECT ROLE_NAME FROM information_schema.ENABLED_ROLES WHERE ROLE_NAME IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	for roles.Next() {
		var r string
		if err := roles.Scan(&r); err != nil {
			roles.Close()
			return nil, fmt.Errorf("read roles: %w", err)
		}
		grantees = append(grantees, grantee(r, ""))
	}
	roles.Close()
	in := `GRANTEE IN (` + Placeholders(len(grantees)) + `)`
	read := func(q string, each func(table, column, priv string)) error {
		rows, err := conn.QueryContext(ctx, q, grantees...)
		if err != nil {
			return fmt.Errorf("read privileges: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, column, priv string
			if err := rows.Scan(&table, &column, &priv); err != nil {
				return fmt.Errorf("read privileges: %w", err)
			}
			each(table, strings.ToLower(column), strings.ToUpper(priv))
		}
		return rows.Err()
	}
	steps := []struct {
		q    string
		each func(table, column, priv string)
	}{
		{`SELECT '', '', PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE ` + in,
			func(_, _, priv string) { p.global[priv] = true }},
		// A database-level grant may name a pattern (GRANT ... ON `shop\_%`.*).
		{`SELECT '', '', PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE ` + in + ` AND DATABASE() LIKE TABLE_SCHEMA`,
			func(_, _, priv string) { p.schema[priv] = true }},
		{`SELECT TABLE_NAME, '', PRIVILEGE_TYPE FROM information_schema.TABLE_PRIVILEGES WHERE ` + in + ` AND TABLE_SCHEMA = DATABASE()`,
			func(table, _, priv string) { setIn(p.table, table)[priv] = true }},
		{`SELECT TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE FROM information_schema.COLUMN_PRIVILEGES WHERE ` + in + ` AND TABLE_SCHEMA = DATABASE()`,
			func(table, column, priv string) {
				if p.column[table] == nil {
					p.column[table] = map[string]map[string]bool{}
				}
				setIn(p.column[table], priv)[column] = true
			}},
	}
	for _, s := range steps {
		if err := read(s.q, s.each); err != nil {
			return nil, err
		}
	}
	delete(p.global, "USAGE")
	return p, nil
}

func setIn(m map[string]map[string]bool, k string) map[string]bool {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	return m[k]
}

// has reports whether priv on table (every table when ""), column ("" for
// the whole table) is held at any level.
func (p *Privileges) has(priv, table, column string) bool {
	if p.global[priv] || p.schema[priv] {
		return true
	}
	if table == "" {
		return false
	}
	if p.table[table][priv] {
		return true
	}
	return column != "" && p.column[table][priv][strings.ToLower(column)]
}

// Missing returns the parts of r the account does not hold: one
// Requirement per missing privilege, with only the missing columns.
func (p *Privileges) Missing(r Requirement) []Requirement {
	var out []Requirement
	for _, priv := range r.Privileges {
		m := r
		m.Privileges = []string{priv}
		if r.Columns == nil {
			if !p.has(priv, r.Table, "") {
				out = append(out, m)
			}
			continue
		}
		m.Columns = nil
		for _, c := range r.Columns {
			if !p.has(priv, r.Table, c) {
				m.Columns = append(m.Columns, c)
			}
		}
		if m.Columns != nil {
			out = append(out, m)
		}
	}
	return out
}

// Excess describes the privileges the account holds beyond reqs: global
// ones, database-wide ones reqs do not ask for, and table or column ones
// on tables, privileges or columns reqs do not name. Each entry reads like
// "UPDATE on fe_users".
func (p *Privileges) Excess(reqs []Requirement) []string {
	var out []string
	if len(p.global) > 0 {
		out = append(out, "global "+summarise(keys(p.global)))
	}
	wanted := func(priv, table, column string) bool {
		for _, r := range reqs {
			switch {
			case !slices.Contains(r.Privileges, priv):
			case r.Table == "":
				return true // a database-wide requirement covers every table
			case table != r.Table:
			case r.Columns == nil:
				return true
			case column != "" && slices.ContainsFunc(r.Columns, func(c string) bool { return strings.EqualFold(c, column) }):
				return true
			}
		}
		return false
	}
	var extra []string
	for _, priv := range keys(p.schema) {
		if !wanted(priv, "", "") {
			extra = append(extra, priv)
		}
	}
	if len(extra) > 0 {
		out = append(out, summarise(extra)+" on the whole database")
	}
	for _, table := range keys(p.table) {
		extra = extra[:0]
		for _, priv := range keys(p.table[table]) {
			if !wanted(priv, table, "") {
				extra = append(extra, priv)
			}
		}
		if len(extra) > 0 {
			out = append(out, summarise(extra)+" on "+table)
		}
	}
	for _, table := range keys(p.column) {
		for _, priv := range keys(p.column[table]) {
			var cols []string
			for _, c := range keys(p.column[table][priv]) {
				if !wanted(priv, table, c) {
					cols = append(cols, c)
				}
			}
			if len(cols) > 0 {
				out = append(out, priv+" ("+strings.Join(cols, ", ")+") on "+table)
			}
		}
	}
	return out
}

// summarise lists privileges, shortened when there are many.
func summarise(privs []string) string {
	if len(privs) > 6 {
		return fmt.Sprintf("privileges %s ... (%d in all)", strings.Join(privs[:6], ", "), len(privs))
	}
	return strings.Join(privs, ", ")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// PrivilegeFindings checks reqs against what the account holds on
// database: a missing privilege the daemon needs fails with the GRANT that
// adds it; privileges beyond reqs warn, since a leaked DSN then does more
// harm than keysync ever needs.
func PrivilegeFindings(p *Privileges, database string, reqs []Requirement) []Finding {
	var missing, migrate []string
	var fixes []string
	for _, r := range reqs {
		for _, m := range p.Missing(r) {
			what := strings.Join(m.Privileges, ", ")
			if m.Columns != nil {
				what += " (" + strings.Join(m.Columns, ", ") + ")"
			}
			if m.Table != "" {
				what += " on " + m.Table
			}
			if r.MigrateOnly {
				migrate = append(migrate, what)
				continue
			}
			missing = append(missing, what+" to "+r.Why)
			fixes = append(fixes, m.Grant(database, p.Account))
		}
	}
	var out []Finding
	if len(missing) > 0 {
		out = append(out, Finding{Check: CheckPrivileges, Status: StatusFail,
			Detail: p.Account + " lacks " + strings.Join(missing, "; "), Fix: strings.Join(fixes, "\n")})
	} else {
		detail := p.Account + " holds every privilege the daemon needs"
		if len(migrate) > 0 {
			detail += "; not " + strings.Join(migrate, ", ") + ", which only `keysync migrate` needs (run it as an admin)"
		}
		out = append(out, Finding{Check: CheckPrivileges, Status: StatusOK, Detail: detail})
	}
	if extra := p.Excess(reqs); len(extra) > 0 {
		out = append(out, Finding{Check: CheckPrivileges, Status: StatusWarn,
			Detail: p.Account + " holds more than keysync needs: " + strings.Join(extra, "; "),
			Fix:    "connect as a dedicated account that holds only the statements of `keysync grants`"})
	}
	return out
}
