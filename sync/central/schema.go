package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// migrations are the versioned steps of the central schema. A step is never
// edited once released; changes are new steps. Every statement is
// idempotent on its own, so a step interrupted half-way is simply run again.
var migrations = []struct {
	version    int
	statements []string
}{
	{1, []string{
		`CREATE TABLE IF NOT EXISTS sequences (
  name VARCHAR(32) NOT NULL PRIMARY KEY,
  next_value BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		// reserved holds the sequence values of ids adopted from portals, so
		// the allocator skips them; values it hands out itself need no entry.
		// Keeping them apart keeps the tables written per new person free of
		// extra indexes.
		`CREATE TABLE IF NOT EXISTS reserved (
  seq_name VARCHAR(32) NOT NULL,
  value BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (seq_name, value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS households (
  hh_id VARCHAR(64) NOT NULL PRIMARY KEY,
  match_key VARCHAR(512) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  KEY match_key (match_key(255))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS persons (
  number VARCHAR(64) NOT NULL PRIMARY KEY,
  seq BIGINT UNSIGNED NULL,
  pe_id VARCHAR(64) NULL,
  hh_id VARCHAR(64) NULL,
  status ENUM('active','retired') NOT NULL DEFAULT 'active',
  merged_into VARCHAR(64) NULL,
  origin ENUM('assigned','adopted') NOT NULL,
  first_name VARCHAR(255) NOT NULL DEFAULT '',
  last_name VARCHAR(255) NOT NULL DEFAULT '',
  email VARCHAR(320) NOT NULL DEFAULT '',
  first_norm VARCHAR(255) NOT NULL DEFAULT '',
  last_norm VARCHAR(255) NOT NULL DEFAULT '',
  email_norm VARCHAR(320) NOT NULL DEFAULT '',
  birth_date VARCHAR(10) NOT NULL DEFAULT '',
  household_key VARCHAR(512) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  UNIQUE KEY pe_id (pe_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS accounts (
  source VARCHAR(64) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  number VARCHAR(64) NOT NULL,
  status ENUM('active','inactive','deleted','gone') NOT NULL,
  username VARCHAR(255) NOT NULL DEFAULT '',
  email VARCHAR(320) NOT NULL DEFAULT '',
  first_name VARCHAR(255) NOT NULL DEFAULT '',
  last_name VARCHAR(255) NOT NULL DEFAULT '',
  email_norm VARCHAR(320) NOT NULL DEFAULT '',
  first_norm VARCHAR(255) NOT NULL DEFAULT '',
  last_norm VARCHAR(255) NOT NULL DEFAULT '',
  birth_date VARCHAR(10) NOT NULL DEFAULT '',
  street VARCHAR(255) NOT NULL DEFAULT '',
  zip VARCHAR(32) NOT NULL DEFAULT '',
  city VARCHAR(255) NOT NULL DEFAULT '',
  country VARCHAR(64) NOT NULL DEFAULT '',
  postcode VARCHAR(16) NOT NULL DEFAULT '',
  city_norm VARCHAR(255) NOT NULL DEFAULT '',
  address_key VARCHAR(512) NOT NULL DEFAULT '',
  key_name VARCHAR(64) NULL,
  key_place VARCHAR(64) NULL,
  key_birth VARCHAR(64) NULL,
  groups_list TEXT NULL,
  registered_at DATETIME(6) NULL,
  linked_at DATETIME(6) NOT NULL,
  written_at DATETIME(6) NULL,
  status_changed_at DATETIME(6) NULL,
  deleted_at DATETIME(6) NULL,
  PRIMARY KEY (source, account_id),
  KEY number (number),
  KEY email_norm (email_norm),
  KEY key_name (key_name),
  KEY key_place (key_place),
  KEY key_birth (key_birth)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS events (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at DATETIME(6) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  number VARCHAR(64) NULL,
  source VARCHAR(64) NULL,
  account_id BIGINT UNSIGNED NULL,
  old_value VARCHAR(255) NULL,
  new_value VARCHAR(255) NULL,
  detail TEXT NULL,
  KEY number (number),
  KEY account (source, account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS conflicts (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind VARCHAR(32) NOT NULL,
  source VARCHAR(64) NOT NULL,
  account_id BIGINT UNSIGNED NOT NULL,
  value VARCHAR(255) NOT NULL DEFAULT '',
  number VARCHAR(64) NOT NULL DEFAULT '',
  detail TEXT NULL,
  status ENUM('open','resolved','ignored') NOT NULL DEFAULT 'open',
  open_key VARCHAR(400) NULL,
  created_at DATETIME(6) NOT NULL,
  resolved_at DATETIME(6) NULL,
  resolved_by VARCHAR(128) NULL,
  resolution VARCHAR(32) NULL,
  note TEXT NULL,
  UNIQUE KEY open_key (open_key),
  KEY account (source, account_id),
  KEY status (status, kind)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS source_state (
  source VARCHAR(64) NOT NULL PRIMARY KEY,
  sweep_after BIGINT UNSIGNED NOT NULL DEFAULT 0,
  updated_at DATETIME(6) NOT NULL,
  last_poll_at DATETIME(6) NULL,
  last_ok_at DATETIME(6) NULL,
  last_error TEXT NULL,
  last_error_at DATETIME(6) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		// distinct_pairs records persons an admin declared different, so a
		// pair is never raised as a suspected duplicate again.
		`CREATE TABLE IF NOT EXISTS distinct_pairs (
  number_a VARCHAR(64) NOT NULL,
  number_b VARCHAR(64) NOT NULL,
  decided_by VARCHAR(128) NOT NULL,
  decided_at DATETIME(6) NOT NULL,
  note TEXT NULL,
  PRIMARY KEY (number_a, number_b)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		// reconciliations keeps every reconciliation run and its report.
		`CREATE TABLE IF NOT EXISTS reconciliations (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source VARCHAR(64) NOT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  repair TINYINT(1) NOT NULL DEFAULT 0,
  status ENUM('running','clean','conflicts','failed') NOT NULL DEFAULT 'running',
  report TEXT NULL,
  actor VARCHAR(128) NOT NULL,
  KEY source (source, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	}},
	// pending_write marks accounts whose portal row must be rewritten with
	// the person's values on the next pass: set by a merge for every moved
	// account, cleared once the row holds the survivor's number.
	{2, []string{
		`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS pending_write TINYINT(1) NOT NULL DEFAULT 0`,
		`ALTER TABLE accounts ADD KEY IF NOT EXISTS pending_write (source, pending_write)`,
	}},
	// key_first_place is the fourth blocking key of fuzzy matching
	// (phonetic first name and postcode): it finds a mistyped or new
	// surname at the same postcode. Accounts stored before it have none
	// and are found by their other keys.
	{3, []string{
		`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS key_first_place VARCHAR(64) NULL`,
		`ALTER TABLE accounts ADD KEY IF NOT EXISTS key_first_place (key_first_place)`,
	}},
	// A reconciliation compares every portal row with its person's Wibisoft
	// ids; joining a million accounts to their persons cost it more than
	// reading both tables. The accounts keep a copy of the ids instead,
	// together with the number they were copied for (copied_from): a copy
	// counts only while copied_from equals the account's number, so an
	// account that moves to another person (a merge) or was linked without
	// a copy is looked up again. A person's hh_id and pe_id never change
	// once set; code that ever changes them must set copied_from = NULL on
	// the person's accounts (TestIDCopies_PersonIDsNeverUpdated guards it).
	{4, []string{
		`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS hh_id_copy VARCHAR(64) NULL, ADD COLUMN IF NOT EXISTS pe_id_copy VARCHAR(64) NULL, ADD COLUMN IF NOT EXISTS copied_from VARCHAR(64) NULL`,
	}},
	// A reconciliation compares a checksum per range of 128 account ids
	// with the portal's. Computing the central ones meant hashing every
	// account of the source each time; account_sums keeps them instead,
	// and every transaction that writes accounts adds its changes (see
	// sums.go). The second statement fills it from the accounts as they
	// are: stop every keysync using the central database before migrating,
	// as older ones would not keep the sums.
	{5, []string{
		`CREATE TABLE IF NOT EXISTS account_sums (
  source VARCHAR(64) NOT NULL,
  range_no BIGINT UNSIGNED NOT NULL,
  accounts BIGINT NOT NULL,
  gone BIGINT NOT NULL,
  xor_sum BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (source, range_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT INTO account_sums (source, range_no, accounts, gone, xor_sum)
 SELECT source, account_id DIV 128, COUNT(*), COUNT(IF(status + 0 = 4, 1, NULL)),
  BIT_XOR(IF(status + 0 = 4, 0, CRC32(CONCAT_WS('|', account_id, status + 0, number, COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, ''), copied_from))))
 FROM accounts GROUP BY 1, 2
 ON DUPLICATE KEY UPDATE accounts = VALUES(accounts), gone = VALUES(gone), xor_sum = VALUES(xor_sum)`,
	}},
	// The master data (see record.go). Each account keeps the values
	// keysync last read from its row, in the columns it had and in new ones
	// for the fields it did not keep, with a hash of them all (data_hash,
	// NULL until the first read after this migration) and when they last
	// changed. Each person keeps its current record, every field with the
	// account it came from and when it changed (record), and field_changes
	// is the history of every change of a person's field. Persons from
	// before have their record seeded from their own columns when an
	// account of theirs is first read.
	{6, []string{
		`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS salutation VARCHAR(64) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS title VARCHAR(255) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS phone VARCHAR(64) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS mobile VARCHAR(64) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS company VARCHAR(255) NOT NULL DEFAULT '',
 ADD COLUMN IF NOT EXISTS data_hash BIGINT UNSIGNED NULL,
 ADD COLUMN IF NOT EXISTS data_changed_at DATETIME(6) NULL`,
		`ALTER TABLE persons ADD COLUMN IF NOT EXISTS record MEDIUMTEXT NULL,
 ADD COLUMN IF NOT EXISTS record_changed_at DATETIME(6) NULL`,
		`CREATE TABLE IF NOT EXISTS field_changes (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  number VARCHAR(64) NOT NULL,
  field VARCHAR(32) NOT NULL,
  old_value TEXT NULL,
  new_value TEXT NULL,
  source VARCHAR(64) NULL,
  account_id BIGINT UNSIGNED NULL,
  changed_at DATETIME(6) NOT NULL,
  recorded_at DATETIME(6) NOT NULL,
  actor VARCHAR(128) NOT NULL,
  KEY number (number, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	}},
	// change_cursor is where a source's changed rows were read up to (see
	// keysync.ChangeSource): TYPO3's tstamp and uid of the last one. NULL
	// until the source's first pass; after this upgrade, that pass reads
	// every row once.
	{7, []string{
		`ALTER TABLE source_state ADD COLUMN IF NOT EXISTS change_cursor VARCHAR(255) NULL`,
	}},
	// The change feed the sinks read (see feed.go): changes holds a position
	// per changed person, handed out by the one-row counter change_head in
	// the order the transactions commit; sink_state keeps each sink's
	// cursor and the outcome of its last export. Persons recorded before
	// this upgrade have no position: a sink without a cursor gets a full
	// export, which carries them, so nothing needs to be filled in.
	{8, []string{
		`CREATE TABLE IF NOT EXISTS change_head (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  pos BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT IGNORE INTO change_head (id, pos) VALUES (1, 0)`,
		`CREATE TABLE IF NOT EXISTS changes (
  pos BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  number VARCHAR(64) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`CREATE TABLE IF NOT EXISTS sink_state (
  sink VARCHAR(64) NOT NULL PRIMARY KEY,
  cursor_pos BIGINT UNSIGNED NULL,
  confirmed_at DATETIME(6) NULL,
  last_run_at DATETIME(6) NULL,
  last_ok_at DATETIME(6) NULL,
  last_written BIGINT UNSIGNED NULL,
  last_changed BIGINT UNSIGNED NULL,
  last_removed BIGINT UNSIGNED NULL,
  last_where VARCHAR(1024) NULL,
  last_error TEXT NULL,
  last_error_at DATETIME(6) NULL,
  failures BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	}},
	// rule names the part of the decision that raised a review conflict
	// (keysync.Rule*), so admins count and resolve them by rule; the
	// conflicts from before get theirs from the detail they were raised
	// with. open_conflicts counts the open ones per source, kind and rule
	// (open_counts.go): with a million open, counting them made an idle
	// pass take a second. open_count covers listing and grouping them by
	// source, kind and rule without reading the rows.
	{9, []string{
		`ALTER TABLE conflicts ADD COLUMN IF NOT EXISTS rule VARCHAR(32) NOT NULL DEFAULT ''`,
		`ALTER TABLE conflicts ADD KEY IF NOT EXISTS open_count (status, source, kind, rule)`,
		`UPDATE conflicts SET rule = CASE
  WHEN kind = 'shared_email' AND detail LIKE 'the e-mail address is used by a person with the same name%' THEN 'mailbox_same_names'
  WHEN kind = 'shared_email' THEN 'mailbox_other'
  WHEN detail LIKE '%: score %' THEN 'score'
  WHEN detail LIKE '%the same names and birth date' THEN 'names_birth'
  WHEN detail LIKE '%another surname (married?)' THEN 'first_name_birth'
  WHEN detail LIKE '%the same names, nothing else to compare' THEN 'names_only'
  WHEN detail LIKE '%another address (moved?)' THEN 'names_moved'
  WHEN detail LIKE '%alike names%' THEN 'alike_names'
  ELSE '' END
 WHERE kind IN ('shared_email', 'suspected_duplicate') AND rule = ''`,
		`CREATE TABLE IF NOT EXISTS open_conflicts (
  source VARCHAR(64) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  rule VARCHAR(32) NOT NULL,
  open BIGINT NOT NULL,
  PRIMARY KEY (source, kind, rule)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT INTO open_conflicts (source, kind, rule, open)
 SELECT source, kind, rule, COUNT(*) FROM conflicts WHERE status = 'open' GROUP BY source, kind, rule
 ON DUPLICATE KEY UPDATE open = VALUES(open)`,
	}},
	// Names are worth what their frequency says (keysync.Facts.Namesakes):
	// a pass counts the accounts bearing its registrations' first names
	// and surnames through these indexes.
	{10, []string{
		`ALTER TABLE accounts ADD KEY IF NOT EXISTS first_norm (first_norm), ADD KEY IF NOT EXISTS last_norm (last_norm)`,
	}},
	// Erasure (see admin_forget.go): a forgotten person keeps its number
	// and Wibisoft ids with status 'forgotten' and forgotten_at, and so do
	// the numbers merged into it (which stay 'retired'); its accounts keep
	// source, id and status and are marked forgotten_at, which a
	// reconciliation reads beside the link without joining the persons.
	// Appending an ENUM value changes no stored row.
	{11, []string{
		`ALTER TABLE persons MODIFY COLUMN status ENUM('active','retired','forgotten') NOT NULL DEFAULT 'active'`,
		`ALTER TABLE persons ADD COLUMN IF NOT EXISTS forgotten_at DATETIME(6) NULL`,
		`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS forgotten_at DATETIME(6) NULL`,
	}},
	// wibisoft_rows gives every PE-ID a Wibisoft import has carried the
	// account id under which its rows are accounts of the source
	// "wibisoft" (keysync.WibisoftSource): the same id on every import, so
	// that a row linked once is kept, and a row in conflict is the same
	// conflict on the next import.
	{12, []string{
		`CREATE TABLE IF NOT EXISTS wibisoft_rows (
  pe_id VARCHAR(64) NOT NULL PRIMARY KEY,
  account_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  first_seen DATETIME(6) NOT NULL,
  UNIQUE KEY account_id (account_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
	}},
	// Frequencies kept rather than counted (write_names.go, write_similar.go).
	// Counting the accounts under a batch's names and blocking keys
	// through the accounts' indexes read every account bearing a common
	// name, a cost that grew with the store. name_counts holds the
	// accounts bearing each normalised first name (kind 'f') and surname
	// ('l'), kept by every transaction that writes accounts (accountSums);
	// common_keys the blocking keys found shared by more than ten accounts
	// (keysync.MaxBlock), which find no candidates. The indexes on the
	// names served only the counting.
	{13, []string{
		`CREATE TABLE IF NOT EXISTS name_counts (
  kind CHAR(1) NOT NULL,
  value VARCHAR(255) NOT NULL,
  accounts BIGINT NOT NULL,
  PRIMARY KEY (kind, value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT INTO name_counts (kind, value, accounts)
 SELECT 'f', first_norm, COUNT(*) FROM accounts WHERE first_norm <> '' GROUP BY first_norm
 ON DUPLICATE KEY UPDATE accounts = VALUES(accounts)`,
		`INSERT INTO name_counts (kind, value, accounts)
 SELECT 'l', last_norm, COUNT(*) FROM accounts WHERE last_norm <> '' GROUP BY last_norm
 ON DUPLICATE KEY UPDATE accounts = VALUES(accounts)`,
		`CREATE TABLE IF NOT EXISTS common_keys (
  col VARCHAR(32) NOT NULL,
  value VARCHAR(64) NOT NULL,
  PRIMARY KEY (col, value)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT IGNORE INTO common_keys (col, value) SELECT 'key_name', key_name FROM accounts WHERE key_name IS NOT NULL GROUP BY key_name HAVING COUNT(*) > 10`,
		`INSERT IGNORE INTO common_keys (col, value) SELECT 'key_place', key_place FROM accounts WHERE key_place IS NOT NULL GROUP BY key_place HAVING COUNT(*) > 10`,
		`INSERT IGNORE INTO common_keys (col, value) SELECT 'key_birth', key_birth FROM accounts WHERE key_birth IS NOT NULL GROUP BY key_birth HAVING COUNT(*) > 10`,
		`INSERT IGNORE INTO common_keys (col, value) SELECT 'key_first_place', key_first_place FROM accounts WHERE key_first_place IS NOT NULL GROUP BY key_first_place HAVING COUNT(*) > 10`,
		`ALTER TABLE accounts DROP KEY IF EXISTS first_norm, DROP KEY IF EXISTS last_norm`,
	}},
	// The change sequence is pruned up to the position every configured
	// sink has confirmed (Feed.Prune); change_pruned holds how far, so
	// that a sink whose cursor lies before it gets a full export instead
	// of the changes that are gone.
	{14, []string{
		`CREATE TABLE IF NOT EXISTS change_pruned (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  pos BIGINT UNSIGNED NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
		`INSERT IGNORE INTO change_pruned (id, pos) VALUES (1, 0)`,
	}},
}

// SchemaVersion is the version this build of keysync expects.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// ErrSchemaOutdated is returned when the central schema is older than this
// build expects; `keysync migrate` fixes it.
var ErrSchemaOutdated = errors.New("central schema is not up to date: run `keysync migrate`")

const migrateLock = "keysync.central.migrate"

// Migrate creates or upgrades the central schema. It holds a named lock on
// the central server so two runs at the same time apply each step once, and
// it creates the sequences with their configured start values.
func (s *Store) Migrate(ctx context.Context) (applied []int, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	release, err := getLock(ctx, conn, migrateLock, 60*time.Second)
	if err != nil {
		return nil, err
	}
	defer release()

	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS keysync_schema (
  version INT UNSIGNED NOT NULL PRIMARY KEY,
  applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`); err != nil {
		return nil, fmt.Errorf("create schema table: %w", err)
	}
	current, err := schemaVersion(ctx, conn)
	if err != nil {
		return nil, err
	}
	for _, m := range migrations {
		if m.version <= current {
			continue
		}
		for _, stmt := range m.statements {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return applied, fmt.Errorf("migrate to version %d: %w", m.version, err)
			}
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO keysync_schema (version, applied_at) VALUES (?, ?)`, m.version, s.now().UTC()); err != nil {
			return applied, fmt.Errorf("record version %d: %w", m.version, err)
		}
		applied = append(applied, m.version)
	}
	for _, sq := range s.sequences() {
		if _, err := conn.ExecContext(ctx, `INSERT IGNORE INTO sequences (name, next_value) VALUES (?, ?)`, sq.name, sq.start); err != nil {
			return applied, fmt.Errorf("create sequence %s: %w", sq.name, err)
		}
	}
	return applied, nil
}

// CheckSchema returns ErrSchemaOutdated unless the schema is current.
func (s *Store) CheckSchema(ctx context.Context) error {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM keysync_schema`).Scan(&v)
	if isNoSuchTable(err) {
		return ErrSchemaOutdated
	}
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if int(v.Int64) < SchemaVersion() {
		return ErrSchemaOutdated
	}
	if int(v.Int64) > SchemaVersion() {
		return fmt.Errorf("central schema version %d is newer than this keysync (%d): upgrade keysync", v.Int64, SchemaVersion())
	}
	return nil
}

func schemaVersion(ctx context.Context, conn *sql.Conn) (int, error) {
	var v sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT MAX(version) FROM keysync_schema`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}
