package central

import "keysync/internal/sqlutil"

// Requirements lists the privileges keysync needs on its own database. The
// database is keysync's alone, so the grants cover all of it: a migration
// that adds a table needs no new grant. Every table is InnoDB; GET_LOCK and
// reading information_schema need no privilege.
func Requirements() []sqlutil.Requirement {
	return []sqlutil.Requirement{
		{Privileges: []string{"SELECT", "INSERT", "UPDATE", "DELETE"},
			Why: "allocate numbers and record persons, accounts, conflicts and the history"},
		{Privileges: []string{"CREATE", "ALTER", "INDEX"}, MigrateOnly: true,
			Why: "create and upgrade the schema (keysync migrate)"},
	}
}
