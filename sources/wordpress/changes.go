package wordpress

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

var _ keysync.ChangeSource = (*Source)(nil)

// ChangesTableSuffix names the table, after the table prefix, where the
// must-use plugin keysync-changes.php records the users that changed:
// WordPress keeps no change time on users or their meta, so without it
// every pass would have to read every user. `keysync migrate` creates it.
const ChangesTableSuffix = "keysync_changes"

// changesDDL is the table the plugin writes, one row per user and request.
const changesDDL = ` (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id BIGINT UNSIGNED NOT NULL,
  changed_at DATETIME NOT NULL,
  KEY user_id (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`

// ChangesTable returns the name of the site's change table.
func (s *Source) ChangesTable() string { return s.cfg.TablePrefix + ChangesTableSuffix }

// Migrate creates the change table where it is missing and returns the
// statements it ran.
func (s *Source) Migrate(ctx context.Context) ([]string, error) {
	if err := s.Check(ctx); err != nil {
		return nil, err
	}
	if s.hasChanges {
		return nil, nil
	}
	stmt := `CREATE TABLE IF NOT EXISTS ` + sqlutil.Ident(s.ChangesTable()) + changesDDL
	if _, err := s.db.ExecContext(ctx, stmt); err != nil {
		return nil, fmt.Errorf("create %s: %w", s.ChangesTable(), err)
	}
	s.hasChanges = true
	return []string{stmt}, nil
}

// ChangeHead implements keysync.ChangeSource. The change table is a queue
// that keysync empties as it records: there is nothing to skip.
func (s *Source) ChangeHead(context.Context, time.Time) (string, error) { return "", nil }

// Changes implements keysync.ChangeSource: the users the plugin recorded,
// oldest first, each with the time of its latest change. A pass starts at
// the head of the queue, which holds only what no pass recorded yet, so a
// row that committed late is read by the next pass; within a pass the
// cursor is the last queue id read. Without the change table (no
// `keysync migrate` yet) there are no changes: reconciliation finds them.
func (s *Source) Changes(ctx context.Context, cursor string, first bool, limit int, now time.Time) (keysync.ChangePage, error) {
	page := keysync.ChangePage{Cursor: cursor}
	if !s.hasChanges {
		return page, nil
	}
	var after uint64
	if !first {
		after, _ = strconv.ParseUint(cursor, 10, 64)
	}
	latest := map[uint64]time.Time{}
	var ids []uint64
	err := sqlutil.Each(ctx, s.db, `SELECT id, user_id, CAST(changed_at AS CHAR) FROM `+sqlutil.Ident(s.ChangesTable())+
		` WHERE id > ? ORDER BY id LIMIT ?`, []any{after, limit}, func(rows *sql.Rows) error {
		var id, user uint64
		var at string
		if err := rows.Scan(&id, &user, &at); err != nil {
			return err
		}
		page.Entries = append(page.Entries, id)
		t := parseRegistered(at)
		if _, seen := latest[user]; !seen {
			ids = append(ids, user)
		}
		if t.After(latest[user]) {
			latest[user] = t
		}
		return nil
	})
	if err != nil {
		return page, fmt.Errorf("read %s: %w", s.ChangesTable(), err)
	}
	if n := len(page.Entries); n > 0 {
		page.Cursor, page.More = strconv.FormatUint(page.Entries[n-1], 10), n == limit
	}
	if page.Accounts, err = s.Accounts(ctx, ids, now); err != nil {
		return page, err
	}
	for i := range page.Accounts {
		page.Accounts[i].Changed = latest[page.Accounts[i].ID]
	}
	return page, nil
}

// ChangesRecorded implements keysync.ChangeSource: the page's queue rows
// go, and only those, so a change recorded meanwhile stays.
func (s *Source) ChangesRecorded(ctx context.Context, page keysync.ChangePage) error {
	if len(page.Entries) == 0 {
		return nil
	}
	args := sqlutil.Args(page.Entries)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM `+sqlutil.Ident(s.ChangesTable())+` WHERE id IN (`+sqlutil.Placeholders(len(args))+`)`, args...); err != nil {
		return fmt.Errorf("forget recorded changes: %w", err)
	}
	return nil
}
