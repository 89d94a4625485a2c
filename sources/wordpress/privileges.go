package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"keysync/internal/sqlutil"
)

// Requirements lists the privileges the source needs on the site's
// database. GRANT cannot narrow usermeta to keysync's meta keys, so the
// account can change any user's meta, roles included: keep its DSN as
// secret as WordPress's own. SELECT on the users table is table-wide
// rather than per column because Check detects multisite by the spam and
// deleted columns, which a column grant would hide, and keysync would then
// number spam accounts.
func (s *Source) Requirements() []sqlutil.Requirement {
	return []sqlutil.Requirement{
		{Privileges: []string{"SELECT"}, Table: s.cfg.UsersTable,
			Why: "read users and their state"},
		{Privileges: []string{"SELECT", "INSERT", "UPDATE"}, Table: s.cfg.UsermetaTable,
			Why: "read names, addresses and roles, add keysync's meta rows, fill an existing empty value and rewrite a number after a merge or repair (UPDATE)"},
		{Privileges: []string{"SELECT", "DELETE"}, Table: s.ChangesTable(),
			Why: "read the users the keysync-changes plugin recorded as changed, and forget them once recorded (run it after `keysync migrate` created the table)"},
		{Privileges: []string{"CREATE"}, Table: s.ChangesTable(), MigrateOnly: true,
			Why: "create the change table (keysync migrate)"},
	}
}

// DB returns the pool, for diagnostics.
func (s *Source) DB() *sql.DB { return s.db }

// UserTable is the table whose rows are the accounts.
func (s *Source) UserTable() string { return s.cfg.UsersTable }

// Diagnose checks the user tables for `keysync doctor`: the columns keysync
// reads and the usermeta index on user_id, without which every batch scans
// all meta rows. It runs Check, so it is not for use beside the poll loop.
func (s *Source) Diagnose(ctx context.Context) ([]sqlutil.Finding, error) {
	if err := s.Check(ctx); err != nil {
		return []sqlutil.Finding{{Check: sqlutil.CheckSchema, Status: sqlutil.StatusFail, Detail: err.Error(),
			Fix: "point the variables at the site's user tables (wp-config.php: $table_prefix, CUSTOM_USER_TABLE, CUSTOM_USER_META_TABLE) and run the statements of `keysync grants`"}}, nil
	}
	kind := "single site"
	if s.multisite {
		kind = "multisite: users marked spam or deleted get no number"
	}
	out := []sqlutil.Finding{{Check: sqlutil.CheckSchema, Status: sqlutil.StatusOK,
		Detail: fmt.Sprintf("%s and %s have the columns keysync reads (%s)", s.cfg.UsersTable, s.cfg.UsermetaTable, kind)}}

	rows, err := s.db.QueryContext(ctx, `SELECT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND SEQ_IN_INDEX = 1 AND LOWER(COLUMN_NAME) = 'user_id'`, s.cfg.UsermetaTable)
	if err != nil {
		return nil, fmt.Errorf("inspect indexes of %s: %w", s.cfg.UsermetaTable, err)
	}
	defer rows.Close()
	var idx []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("inspect indexes of %s: %w", s.cfg.UsermetaTable, err)
		}
		idx = append(idx, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inspect indexes of %s: %w", s.cfg.UsermetaTable, err)
	}
	out = append(out, s.changesFinding())
	if len(idx) == 0 {
		out = append(out, sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusFail,
			Detail: s.cfg.UsermetaTable + " has no index starting with user_id (WordPress creates KEY user_id): every batch scans all meta rows",
			Fix:    "ALTER TABLE " + sqlutil.Ident(s.cfg.UsermetaTable) + " ADD KEY user_id (user_id);"})
	} else {
		out = append(out, sqlutil.Finding{Check: sqlutil.CheckIndex, Status: sqlutil.StatusOK,
			Detail: s.cfg.UsermetaTable + " is indexed on user_id (" + strings.Join(idx, ", ") + ")"})
	}
	return out, nil
}

// changesFinding says whether the change table exists. Without it keysync
// sees a user's changed data only at the next reconciliation.
func (s *Source) changesFinding() sqlutil.Finding {
	if s.hasChanges {
		return sqlutil.Finding{Check: sqlutil.CheckSchema, Status: sqlutil.StatusOK,
			Detail: "change table " + s.ChangesTable() + " present (the keysync-changes must-use plugin fills it)"}
	}
	return sqlutil.Finding{Check: sqlutil.CheckSchema, Status: sqlutil.StatusFail,
		Detail: "change table " + s.ChangesTable() + " is missing: changed users reach keysync only by reconciliation",
		Fix:    "keysync migrate, then copy sources/wordpress/plugin/keysync-changes.php into wp-content/mu-plugins"}
}
