package typo3

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"keysync/internal/sqlutil"
)

// groupsTable is where TYPO3 keeps frontend groups; groupTitles reads it.
const groupsTable = "fe_groups"

// Requirements lists the privileges the source needs on the portal
// database, down to the column: it reads the columns it knows (never the
// password hash or anything else), writes only its own three columns, and
// alters the table only in `keysync migrate`. MariaDB refuses a column
// grant on a column that does not exist yet, so keysync's own columns have
// a statement of their own, to run after migrate created them; the rest
// lets an account with the ALTER grant run migrate itself.
//
// The columns read follow the field mapping. Until the source has looked at
// its table (Check, Diagnose), which of femanager's and sr_feuser_register's
// gender and date_of_birth it has is not known: they get a statement of
// their own then, for the sites that have them.
func (s *Source) Requirements() []sqlutil.Requirement {
	own := []string{s.cfg.NumberColumn, s.cfg.HHColumn, s.cfg.PEColumn}
	p := s.plan.Load()
	read := slices.Clone(coreColumns)
	for _, c := range p.columns {
		if !slices.ContainsFunc(read, func(r string) bool { return strings.EqualFold(r, c) }) {
			read = append(read, c)
		}
	}
	reqs := []sqlutil.Requirement{
		{Privileges: []string{"SELECT"}, Table: s.cfg.Table, Columns: read,
			Why: "read frontend users and their master data"},
	}
	if !p.inspected {
		if ext := s.extensionColumns(); len(ext) > 0 {
			reqs = append(reqs, sqlutil.Requirement{Privileges: []string{"SELECT"}, Table: s.cfg.Table, Columns: ext,
				Why: "read gender and birth date where femanager or sr_feuser_register added these columns; leave it out when the table has none of them, as MariaDB refuses a grant on a missing column"})
		}
	}
	return append(reqs, []sqlutil.Requirement{
		{Privileges: []string{"SELECT", "UPDATE"}, Table: s.cfg.Table, Columns: own,
			Why: "read and write keysync's own columns, and nothing else (run it after `keysync migrate` created them)"},
		{Privileges: []string{"SELECT"}, Table: groupsTable, Columns: []string{"uid", "title"},
			Why: "name memberships by their group titles"},
		// ALTER TABLE ... ADD KEY needs ALTER only on MariaDB, not INDEX.
		{Privileges: []string{"ALTER"}, Table: s.cfg.Table, MigrateOnly: true,
			Why: "add keysync's columns, poll index and change index (keysync migrate)"},
	}...)
}

// UserTable is the table whose rows are the accounts.
func (s *Source) UserTable() string { return s.cfg.Table }

// Diagnose checks the portal table for `keysync doctor`: the columns keysync
// reads, its own columns (missing, renamed by TYPO3's analyzer, too narrow)
// and the poll index. Each finding that needs action carries its fix.
func (s *Source) Diagnose(ctx context.Context) ([]sqlutil.Finding, error) {
	sc, err := s.Inspect(ctx)
	if err != nil {
		return nil, err
	}
	fail := func(check, detail, fix string) sqlutil.Finding {
		return sqlutil.Finding{Check: check, Status: sqlutil.StatusFail, Detail: detail, Fix: fix}
	}
	env := "KEYSYNC_SOURCE_" + strings.ToUpper(s.cfg.Name)
	if len(sc.Columns) == 0 {
		return []sqlutil.Finding{fail(sqlutil.CheckSchema,
			fmt.Sprintf("table %s does not exist in this database, or the account may read none of its columns", s.cfg.Table),
			fmt.Sprintf("check %s_DSN and %s_TABLE, and run the statements of `keysync grants`", env, env))}, nil
	}
	var out []sqlutil.Finding
	if p, err := s.newPlan(sc.Columns); err != nil {
		out = append(out, fail(sqlutil.CheckSchema, err.Error(),
			fmt.Sprintf("name columns the table has in %s_FIELDS, or add the missing ones", env)))
	} else {
		s.plan.Store(p)
	}
	for _, c := range coreColumns {
		if !hasColumn(sc, c) {
			out = append(out, fail(sqlutil.CheckSchema, fmt.Sprintf("table %s has no column %s, or the account may not read it", s.cfg.Table, c),
				fmt.Sprintf("check that %s_TABLE names TYPO3's fe_users table, and run the statements of `keysync grants`", env)))
		}
	}
	for _, kc := range s.keysyncColumns() {
		lc := strings.ToLower(kc.name)
		renamed := "zzz_deleted_" + lc
		col, ok := sc.Columns[lc]
		switch {
		case !ok && hasColumn(sc, renamed):
			out = append(out, fail(sqlutil.CheckSchema,
				fmt.Sprintf("column %s was renamed to zzz_deleted_%s by TYPO3's database analyzer; keysync cannot read or write its numbers", kc.name, kc.name),
				fmt.Sprintf("ALTER TABLE %s CHANGE %s %s %s; and keep the keysync TYPO3 extension installed so that the analyzer knows the column",
					sqlutil.Ident(s.cfg.Table), sqlutil.QuoteName("zzz_deleted_"+kc.name), sqlutil.Ident(kc.name), columnDDL(kc.maxLen))))
		case !ok:
			out = append(out, fail(sqlutil.CheckSchema,
				fmt.Sprintf("column %s is missing (or the account may not read it; an account with column grants does not see a column TYPO3 renamed to zzz_deleted_%s)", kc.name, kc.name),
				"keysync migrate (run as an admin; it also reports a column TYPO3 renamed)"))
		case col.maxLen > 0 && col.maxLen < kc.maxLen:
			out = append(out, fail(sqlutil.CheckSchema,
				fmt.Sprintf("column %s holds %d characters but values may have %d", kc.name, col.maxLen, kc.maxLen),
				fmt.Sprintf("ALTER TABLE %s MODIFY %s %s;", sqlutil.Ident(s.cfg.Table), sqlutil.Ident(kc.name), columnDDL(kc.maxLen))))
		}
	}
	if len(out) == 0 {
		out = append(out, sqlutil.Finding{Check: sqlutil.CheckSchema, Status: sqlutil.StatusOK,
			Detail: fmt.Sprintf("%s has the columns keysync reads and its own %s, %s, %s", s.cfg.Table, s.cfg.NumberColumn, s.cfg.HHColumn, s.cfg.PEColumn)})
	}
	out = append(out, s.indexFinding(sc), s.changeIndexFinding(sc))
	return out, nil
}

// changeIndexFinding checks the change index. Without it every pass reads
// the whole table for rows changed since the last.
func (s *Source) changeIndexFinding(sc Schema) sqlutil.Finding {
	if HasChangeIndex(sc) {
		return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusOK,
			Detail: fmt.Sprintf("change index %s (tstamp, uid) present", ChangeIndex)}
	}
	table := sqlutil.Ident(s.cfg.Table)
	fix := "keysync migrate, which runs: ALTER TABLE " + table + " " + changeIndexDDL + ";"
	if _, taken := sc.Indexes[ChangeIndex]; taken {
		fix = "keysync migrate, which runs: ALTER TABLE " + table + " DROP INDEX " + ChangeIndex + ", " + changeIndexDDL + ";"
	}
	return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusFail,
		Detail: fmt.Sprintf("change index %s (tstamp, uid) is missing: every pass reads the whole table for changed rows", ChangeIndex), Fix: fix}
}

// indexFinding checks the poll index. Without it every poll scans the whole
// table for rows without a number.
func (s *Source) indexFinding(sc Schema) sqlutil.Finding {
	add := `ADD KEY ` + PendingIndex + ` (` + sqlutil.Ident(s.cfg.NumberColumn) + `, deleted, disable)`
	table := sqlutil.Ident(s.cfg.Table)
	switch cols, ok := sc.Indexes[PendingIndex]; {
	case ok && len(cols) > 0 && cols[0] == "zzz_deleted_"+strings.ToLower(s.cfg.NumberColumn):
		return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusFail,
			Detail: fmt.Sprintf("index %s moved with the renamed column %s", PendingIndex, cols[0]),
			Fix:    "rename the column back (see the schema finding); the index follows it"}
	case s.HasPendingIndex(sc):
		return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusOK,
			Detail: fmt.Sprintf("poll index %s (%s) present", PendingIndex, strings.Join(cols, ", "))}
	case ok:
		return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusFail,
			Detail: fmt.Sprintf("index %s covers (%s), not %s first: every poll scans the whole table", PendingIndex, strings.Join(cols, ", "), s.cfg.NumberColumn),
			Fix:    "keysync migrate, which runs: ALTER TABLE " + table + " DROP INDEX " + PendingIndex + ", " + add + ";"}
	default:
		return sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusFail,
			Detail: fmt.Sprintf("poll index %s is missing: every poll scans the whole table", PendingIndex),
			Fix:    "keysync migrate, which runs: ALTER TABLE " + table + " " + add + ";"}
	}
}
