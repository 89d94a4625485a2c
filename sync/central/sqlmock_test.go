package central_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/go-sql-driver/mysql"

	keysync "keysync/sync"
	"keysync/sync/central"
	"keysync/sync/reconcile"
)

// The statements of one Assign, pinned so that a change to them is a
// deliberate one.
const (
	lockSQL       = "SELECT name, next_value FROM sequences WHERE name IN (?, ?, ?) ORDER BY name FOR UPDATE"
	linksSQL      = "SELECT a.account_id, a.pending_write, a.status, a.data_hash, p.number, COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), p.first_norm, p.last_norm, p.email_norm, p.birth_date, p.household_key, p.forgotten_at IS NOT NULL FROM accounts a JOIN persons p ON p.number = a.number WHERE a.source = ? AND a.account_id IN (?)"
	refusedSQL    = "SELECT account_id, value FROM conflicts WHERE source = ? AND account_id IN (?) AND kind = ? AND status = 'open'"
	takenSQL      = "SELECT value FROM reserved WHERE seq_name = ? AND value >= ? AND value < ?"
	commonKeysSQL = "SELECT value FROM common_keys WHERE col = ? AND value IN (?)"
	similarSQL    = "SELECT a.source, a.account_id, a.first_norm, a.last_norm, a.first_name, a.last_name, a.birth_date, a.postcode, a.city_norm, a.address_key, COALESCE(a.key_name, ''), COALESCE(a.key_place, ''), COALESCE(a.key_birth, ''), COALESCE(a.key_first_place, ''), " +
		"p.number, COALESCE(p.hh_id, ''), COALESCE(p.pe_id, ''), p.first_norm, p.last_norm, p.email_norm, p.birth_date, p.household_key, p.forgotten_at IS NOT NULL FROM accounts a FORCE INDEX (key_name) JOIN persons p ON p.number = a.number WHERE a.key_name IN (?)"
	namesSQL      = "SELECT value, accounts FROM name_counts WHERE kind = ? AND value IN (?)"
	saveSeqSQL    = "UPDATE sequences SET next_value = ? WHERE name = ? AND next_value = ?"
	insertHHSQL   = "INSERT INTO households (hh_id, match_key, created_at) VALUES (?,?,?)"
	insertPersSQL = "INSERT INTO persons (number, seq, pe_id, hh_id, origin, first_name, last_name, email, first_norm, last_norm, email_norm, birth_date, household_key, created_at, updated_at, record, record_changed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
	advanceSQL    = "INSERT INTO source_state (source, sweep_after, updated_at) VALUES (?, ?, ?)\nON DUPLICATE KEY UPDATE sweep_after = GREATEST(sweep_after, VALUES(sweep_after)), updated_at = VALUES(updated_at)"
)

var errBoom = errors.New("boom: server has gone away")

func mustMock(tb testing.TB) (*central.Store, sqlmock.Sqlmock) {
	tb.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		tb.Fatalf("sqlmock: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	s := central.New(db, numbering(tb))
	s.Now = func() time.Time { return now }
	return s, mock
}

func mustMet(tb testing.TB, mock sqlmock.Sqlmock) {
	tb.Helper()
	if err := mock.ExpectationsWereMet(); err != nil {
		tb.Errorf("sqlmock: %v", err)
	}
}

// plain is a candidate without e-mail or address, so that Assign reads
// nothing but its link.
func plain() []keysync.Candidate {
	return cands(account(1, func(a *keysync.Account) { a.Email = "" }))
}

func TestStore_AssignSQL_MissingSequencesTable(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").
		WillReturnError(&mysql.MySQLError{Number: 1146, Message: "Table 'central.sequences' doesn't exist"})
	mock.ExpectRollback()

	out, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, central.ErrSchemaOutdated) || out != nil {
		t.Errorf("Assign=%v, %v, want ErrSchemaOutdated", out, err)
	}
	mustMet(t, mock)
}

func TestStore_AssignSQL_MissingSequenceRow(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").
		WillReturnRows(sqlmock.NewRows([]string{"name", "next_value"}).AddRow("customer", 1000).AddRow("person", 7000))
	mock.ExpectRollback()

	if _, err := s.Assign(t.Context(), source, plain(), false); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("Assign=%v, want ErrSchemaOutdated", err)
	}
	mustMet(t, mock)
}

func TestStore_AssignSQL_LockFails(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").WillReturnError(errBoom)
	mock.ExpectRollback()

	_, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "lock sequences: ") {
		t.Errorf("Assign=%v, want it to wrap %v with context", err, errBoom)
	}
	mustMet(t, mock)
}

// expectNewPersonDecided expects an Assign of plain() up to its writes: the
// sequences locked, nothing known of the account, no candidates, and the
// allocators reading the taken values of a window of sixteen.
func expectNewPersonDecided(mock sqlmock.Sqlmock) {
	none := func(cols ...string) *sqlmock.Rows { return sqlmock.NewRows(cols) }
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").
		WillReturnRows(none("name", "next_value").AddRow("customer", numberStart).AddRow("household", hhStart).AddRow("person", peStart))
	mock.ExpectQuery(linksSQL).WithArgs(source, 1).WillReturnRows(none("account_id", "pending_write", "status", "data_hash", "number", "hh", "pe", "first", "last", "email", "birth", "key"))
	mock.ExpectQuery(refusedSQL).WithArgs(source, 1, "row_refused").WillReturnRows(none("account_id", "value"))
	mock.ExpectQuery(commonKeysSQL).WillReturnRows(none("value"))
	mock.ExpectQuery(similarSQL).WillReturnRows(none("source", "account_id", "first", "last", "first_name", "last_name", "birth", "postcode", "city", "address", "kn", "kp", "kb", "kf", "number", "hh", "pe", "pf", "pl", "pe2", "pb", "ph"))
	mock.ExpectQuery(namesSQL).WithArgs("f", "vorname1").WillReturnRows(none("value", "accounts"))
	mock.ExpectQuery(namesSQL).WithArgs("l", "nachname1").WillReturnRows(none("value", "accounts"))
	mock.ExpectQuery(takenSQL).WithArgs("customer", numberStart, numberStart+16).WillReturnRows(none("value"))
	mock.ExpectQuery(takenSQL).WithArgs("person", peStart, peStart+16).WillReturnRows(none("value"))
	mock.ExpectQuery(takenSQL).WithArgs("household", hhStart, hhStart+16).WillReturnRows(none("value"))
}

// expectNewPersonSavedUpToPersons expects expectNewPersonDecided and then
// the writes before the persons' insert: the three sequences stored at
// their new positions and the new household.
func expectNewPersonSavedUpToPersons(mock sqlmock.Sqlmock) {
	expectNewPersonDecided(mock)
	mock.ExpectExec(saveSeqSQL).WithArgs(numberStart+1, "customer", numberStart).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(saveSeqSQL).WithArgs(hhStart+1, "household", hhStart).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(saveSeqSQL).WithArgs(peStart+1, "person", peStart).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(insertHHSQL).WithArgs("0000500", "", now).WillReturnResult(sqlmock.NewResult(0, 1))
}

func TestStore_AssignSQL_FailedInsertRollsBack(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	expectNewPersonSavedUpToPersons(mock)
	mock.ExpectExec(insertPersSQL).WillReturnError(errBoom)
	mock.ExpectRollback()

	out, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "insert persons: ") || out != nil {
		t.Errorf("Assign=%v, %v, want the wrapped insert error and no outcomes", out, err)
	}
	if errors.Is(err, keysync.ErrRowRefused) {
		t.Errorf("Assign=%v: a lost connection is no row's fault", err)
	}
	mustMet(t, mock)
}

// TestStore_AssignSQL_SequenceMovedRunsAgain: the sequence is stored
// compare-and-set on the position read; when it no longer stands there (a
// transaction through another Galera node moved it), the batch is rolled
// back and run again whole, counted as a retry.
func TestStore_AssignSQL_SequenceMovedRunsAgain(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	expectNewPersonDecided(mock)
	mock.ExpectExec(saveSeqSQL).WithArgs(numberStart+1, "customer", numberStart).WillReturnResult(sqlmock.NewResult(0, 0))
	mock.ExpectRollback()
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").WillReturnError(errBoom)
	mock.ExpectRollback()

	_, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, errBoom) {
		t.Errorf("Assign=%v, want the second attempt's error %v", err, errBoom)
	}
	if got := s.Retries.Load(); got != 1 {
		t.Errorf("Retries=%d, want 1", got)
	}
	mustMet(t, mock)
}

// TestStore_AssignSQL_DataErrorIsTheRows: a value the server refuses in
// strict mode (1406, data too long) fails Assign with ErrRowRefused, so
// that the engine looks for the row instead of retrying the batch.
func TestStore_AssignSQL_DataErrorIsTheRows(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	expectNewPersonSavedUpToPersons(mock)
	mock.ExpectExec(insertPersSQL).WillReturnError(&mysql.MySQLError{Number: 1406, Message: "Data too long for column 'first_name' at row 1"})
	mock.ExpectRollback()

	out, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, keysync.ErrRowRefused) || out != nil {
		t.Errorf("Assign=%v, %v, want ErrRowRefused and no outcomes", out, err)
	}
	mustMet(t, mock)
}

func TestStore_AssignSQL_CommitFails(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	none := func(cols ...string) *sqlmock.Rows { return sqlmock.NewRows(cols) }
	// The account is linked and shows what the store recorded of it:
	// nothing to write.
	linked := none("account_id", "pending_write", "status", "data_hash", "number", "hh", "pe", "first", "last", "email", "birth", "key", "forgotten").
		AddRow(1, 0, "active", central.DataHash(plain()[0].Account), "000010006", "0000500", "00007000", "vorname1", "nachname1", "", "", "", false)
	mock.ExpectBegin()
	mock.ExpectQuery(lockSQL).WithArgs("customer", "household", "person").
		WillReturnRows(none("name", "next_value").AddRow("customer", numberStart).AddRow("household", hhStart).AddRow("person", peStart))
	mock.ExpectQuery(linksSQL).WithArgs(source, 1).WillReturnRows(linked)
	mock.ExpectQuery(refusedSQL).WithArgs(source, 1, "row_refused").WillReturnRows(none("account_id", "value"))
	mock.ExpectQuery(commonKeysSQL).WillReturnRows(none("value"))
	mock.ExpectQuery(similarSQL).WillReturnRows(none("source", "account_id", "first", "last", "first_name", "last_name", "birth", "postcode", "city", "address", "kn", "kp", "kb", "kf", "number", "hh", "pe", "pf", "pl", "pe2", "pb", "ph"))
	mock.ExpectQuery(namesSQL).WithArgs("f", "vorname1").WillReturnRows(none("value", "accounts"))
	mock.ExpectQuery(namesSQL).WithArgs("l", "nachname1").WillReturnRows(none("value", "accounts"))
	mock.ExpectCommit().WillReturnError(errBoom)

	out, err := s.Assign(t.Context(), source, plain(), false)
	if !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "commit: ") || out != nil {
		t.Errorf("Assign=%v, %v, want the wrapped commit error and no outcomes", out, err)
	}
	mustMet(t, mock)
}

func TestStore_WatermarkSQL(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	mock.ExpectExec(advanceSQL).WithArgs(source, 42, now).WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectQuery("SELECT sweep_after FROM source_state WHERE source = ?").WithArgs(source).WillReturnError(errBoom)
	mock.ExpectExec(advanceSQL).WithArgs(source, 43, now).WillReturnError(errBoom)

	if err := s.AdvanceWatermark(t.Context(), source, 42); err != nil {
		t.Errorf("AdvanceWatermark: %v", err)
	}
	if _, err := s.Watermark(t.Context(), source); !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "read watermark: ") {
		t.Errorf("Watermark=%v, want the wrapped error", err)
	}
	if err := s.AdvanceWatermark(t.Context(), source, 43); !errors.Is(err, errBoom) || !strings.HasPrefix(err.Error(), "advance watermark: ") {
		t.Errorf("AdvanceWatermark=%v, want the wrapped error", err)
	}
	mustMet(t, mock)
}

// The range checksum of the accounts and the bounded reads of a
// reconciliation are pinned: the canonical string must stay that of the
// sources' checksums.
const (
	linkSumSQL = "SELECT account_id DIV ?, COUNT(*), COUNT(IF(status + 0 = 4, 1, NULL)),\n" +
		" BIT_XOR(IF(status + 0 = 4, 0, CRC32(CONCAT_WS('|', account_id, status + 0, number, COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, ''), copied_from))))" +
		" FROM accounts WHERE source = ? GROUP BY 1 ORDER BY 1"
	storedSumsSQL     = "SELECT range_no, accounts, gone, xor_sum FROM account_sums WHERE source = ? AND accounts > 0 ORDER BY range_no"
	conflictRangesSQL = "SELECT DISTINCT account_id DIV ? FROM conflicts WHERE source = ? AND status = 'open' AND kind IN (?,?) ORDER BY 1"
	linksBetweenSQL   = "SELECT account_id, number, status, written_at IS NOT NULL, copied_from <=> number,\n" +
		" COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, ''), forgotten_at IS NOT NULL FROM accounts\n" +
		" WHERE source = ? AND account_id > ? AND account_id <= ? ORDER BY account_id LIMIT ?"
	openBetweenSQL = "SELECT id, kind, account_id, value FROM conflicts\n" +
		" WHERE source = ? AND (account_id > ? OR (account_id = ? AND id > ?)) AND account_id <= ? AND status = 'open' AND kind IN (?,?)\n" +
		" ORDER BY account_id, id LIMIT ?"
)

func TestStore_RangeSumSQL(t *testing.T) {
	t.Parallel()
	s, mock := mustMock(t)
	kinds := []keysync.ConflictKind{keysync.ConflictNumberMismatch, keysync.ConflictWibisoftMismatch}
	// Ranges of 128 ids are the stored sums; others are computed.
	mock.ExpectQuery(storedSumsSQL).WithArgs(source).WillReturnRows(
		sqlmock.NewRows([]string{"r", "n", "gone", "xor"}).AddRow(0, 128, 2, uint64(99)).AddRow(5, 1, 0, 3))
	mock.ExpectQuery(conflictRangesSQL).WithArgs(128, source, "number_mismatch", "wibisoft_mismatch").WillReturnRows(
		sqlmock.NewRows([]string{"r"}).AddRow(5).AddRow(9))
	mock.ExpectQuery(linksBetweenSQL).WithArgs(source, 639, 767, 2).WillReturnRows(
		sqlmock.NewRows([]string{"id", "n", "status", "written", "current", "hh", "pe", "forgotten"}).AddRow(700, "1000001", "active", true, true, "7", "8", false))
	mock.ExpectQuery(openBetweenSQL).WithArgs(source, 639, 639, uint64(math.MaxInt64), 767, "number_mismatch", "wibisoft_mismatch", 10).WillReturnRows(
		sqlmock.NewRows([]string{"id", "kind", "account_id", "value"}).AddRow(3, "number_mismatch", 700, "x"))
	mock.ExpectQuery(linkSumSQL).WithArgs(64, source).WillReturnError(errBoom)

	sums, err := s.LinkSums(t.Context(), source, 128)
	want := []reconcile.RangeSum{{Range: 0, All: 128, Count: 126, Xor: 99, Gone: 2}, {Range: 5, All: 1, Count: 1, Xor: 3}}
	if err != nil || !reflect.DeepEqual(sums, want) {
		t.Errorf("LinkSums=%+v, %v, want %+v", sums, err, want)
	}
	if rs, err := s.ConflictRanges(t.Context(), source, kinds, 128); err != nil || !reflect.DeepEqual(rs, []uint64{5, 9}) {
		t.Errorf("ConflictRanges=%v, %v", rs, err)
	}
	if ls, err := s.LinksBetween(t.Context(), source, 639, 767, 2); err != nil || len(ls) != 1 || ls[0].AccountID != 700 || ls[0].HH != "7" {
		t.Errorf("LinksBetween=%+v, %v", ls, err)
	}
	if cs, err := s.OpenConflictsBetween(t.Context(), source, kinds, 639, math.MaxInt64, 767, 10); err != nil || len(cs) != 1 || cs[0].AccountID != 700 {
		t.Errorf("OpenConflictsBetween=%+v, %v", cs, err)
	}
	if _, err := s.LinkSums(t.Context(), source, 64); !errors.Is(err, errBoom) {
		t.Errorf("LinkSums=%v, want the server's error", err)
	}
	mustMet(t, mock)
}
