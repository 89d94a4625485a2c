package typo3_test

import (
	"database/sql/driver"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	"keysync/internal/sqlutil"
	"keysync/sources/typo3"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

// The statements a source sends for the default configuration. They are
// pinned here so that a change to them is a deliberate one; the EXPLAIN test
// runs pendingSQL on a real table.
const (
	selectSQL = "SELECT uid, pid, deleted, disable, starttime, endtime, crdate, tstamp, " +
		"COALESCE(username, ''), COALESCE(name, ''), COALESCE(usergroup, ''), " +
		"COALESCE(`tx_keysync_customer_number`, ''), COALESCE(`tx_keysync_wibisoft_hh_id`, ''), COALESCE(`tx_keysync_wibisoft_pe_id`, ''), " +
		"COALESCE(`title`, ''), COALESCE(`first_name`, ''), COALESCE(`last_name`, ''), COALESCE(`address`, ''), COALESCE(`zip`, ''), " +
		"COALESCE(`city`, ''), COALESCE(`country`, ''), COALESCE(`email`, ''), COALESCE(`telephone`, ''), COALESCE(`company`, '') FROM `fe_users`"
	sweepSQL       = selectSQL + " WHERE uid > ? ORDER BY uid LIMIT ?"
	sweepPIDsSQL   = selectSQL + " WHERE uid > ? AND pid IN (?,?) ORDER BY uid LIMIT ?"
	pendingWhere   = " WHERE `tx_keysync_customer_number` = '' AND deleted = 0 AND disable = 0 AND uid > ? AND starttime <= ? AND (endtime = 0 OR endtime > ?)"
	pendingSQL     = selectSQL + pendingWhere + " ORDER BY uid LIMIT ?"
	pendingPIDsSQL = selectSQL + pendingWhere + " AND pid IN (?,?) ORDER BY uid LIMIT ?"

	writeBackSQL = "UPDATE `fe_users` f JOIN (SELECT ? AS uid, ? AS n, ? AS hh, ? AS pe UNION ALL SELECT ?, ?, ?, ?) v ON f.uid = v.uid SET " +
		"f.`tx_keysync_customer_number` = IF(COALESCE(f.`tx_keysync_customer_number`, '') = '' AND v.n <> '', v.n, f.`tx_keysync_customer_number`), " +
		"f.`tx_keysync_wibisoft_hh_id` = IF(COALESCE(f.`tx_keysync_wibisoft_hh_id`, '') = '' AND v.hh <> '', v.hh, f.`tx_keysync_wibisoft_hh_id`), " +
		"f.`tx_keysync_wibisoft_pe_id` = IF(COALESCE(f.`tx_keysync_wibisoft_pe_id`, '') = '' AND v.pe <> '', v.pe, f.`tx_keysync_wibisoft_pe_id`)"
	readBackSQL = "SELECT uid, COALESCE(`tx_keysync_customer_number`, ''), COALESCE(`tx_keysync_wibisoft_hh_id`, ''), COALESCE(`tx_keysync_wibisoft_pe_id`, '') FROM `fe_users` WHERE uid IN (?,?)"
)

var errBoom = errors.New("boom: server has gone away")

// mustMock returns a source on a sqlmock pool that matches statements
// exactly.
func mustMock(tb testing.TB, cfg typo3.Config) (*typo3.Source, sqlmock.Sqlmock) {
	tb.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		tb.Fatalf("sqlmock: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if cfg.Name == "" {
		cfg.Name = "amicas"
	}
	src, err := typo3.New(db, cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return src, mock
}

func mustMet(tb testing.TB, mock sqlmock.Sqlmock) {
	tb.Helper()
	if err := mock.ExpectationsWereMet(); err != nil {
		tb.Errorf("sqlmock: %v", err)
	}
}

var accountColumns = []string{"uid", "pid", "deleted", "disable", "starttime", "endtime", "crdate", "tstamp", "username", "name", "usergroup",
	"number", "hh", "pe", "title", "first_name", "last_name", "address", "zip", "city", "country", "email", "telephone", "company"}

func accountRows() *sqlmock.Rows {
	return sqlmock.NewRows(accountColumns).
		AddRow(7, 5, 0, 0, 0, now.Unix()+60, 1552555613, 1552555614, "anna", "", "3", "", "", "", "", "Anna", "Gruber", "Hauptstraße 1", "1010", "Wien", "AT", "anna@example.at", "+43 1 234", "").
		AddRow(9, 5, 0, 0, 0, now.Unix(), 0, 0, "bert", "Bert Huber", "", " 000000013", "", "", "", "", "", "", "", "", "", "", "", "")
}

func TestSource_SQL(t *testing.T) {
	t.Parallel()
	tnow := now.Unix()
	cases := []struct {
		name  string
		pids  []uint64
		query string
		args  []driver.Value
		call  func(*typo3.Source) ([]keysync.Account, error)
	}{
		{"sweep", nil, sweepSQL, []driver.Value{3, 50},
			func(s *typo3.Source) ([]keysync.Account, error) { return s.Sweep(t.Context(), 3, 50, now) }},
		{"sweep in folders", []uint64{5, 27}, sweepPIDsSQL, []driver.Value{3, 5, 27, 50},
			func(s *typo3.Source) ([]keysync.Account, error) { return s.Sweep(t.Context(), 3, 50, now) }},
		{"pending", nil, pendingSQL, []driver.Value{3, tnow, tnow, 50},
			func(s *typo3.Source) ([]keysync.Account, error) { return s.Pending(t.Context(), 3, 50, now) }},
		{"pending in folders", []uint64{5, 27}, pendingPIDsSQL, []driver.Value{3, tnow, tnow, 5, 27, 50},
			func(s *typo3.Source) ([]keysync.Account, error) { return s.Pending(t.Context(), 3, 50, now) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, mock := mustMock(t, typo3.Config{PIDs: tc.pids})
			mock.ExpectQuery(tc.query).WithArgs(tc.args...).WillReturnRows(accountRows())
			mock.ExpectQuery("SELECT uid, title FROM fe_groups WHERE uid IN (?)").WithArgs("3").
				WillReturnRows(sqlmock.NewRows([]string{"uid", "title"}).AddRow(3, "Premium, jährlich"))

			got, err := tc.call(src)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			want := []keysync.Account{
				{Source: "amicas", ID: 7, Active: true, Username: "anna", Email: "anna@example.at", FirstName: "Anna", LastName: "Gruber",
					Street: "Hauptstraße 1", Zip: "1010", City: "Wien", Country: "AT", Phone: "+43 1 234", Groups: []string{"Premium, jährlich"},
					Registered: time.Unix(1552555613, 0).UTC(), Changed: time.Unix(1552555614, 0).UTC()},
				// endtime == now has ended.
				{Source: "amicas", ID: 9, Username: "bert", FirstName: "Bert", LastName: "Huber", Number: "000000013"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("accounts:\n got %+v\nwant %+v", got, want)
			}
			mustMet(t, mock)
		})
	}
}

func TestSource_WriteBackSQL(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, typo3.Config{})
	mock.ExpectExec(writeBackSQL).
		WithArgs(1, "000000013", "0000001", "", 2, "000000021", "", "00000002").
		WillReturnResult(sqlmock.NewResult(0, 2))
	mock.ExpectQuery(readBackSQL).WithArgs(1, 2).
		WillReturnRows(sqlmock.NewRows([]string{"uid", "number", "hh", "pe"}).
			AddRow(2, "000000021 ", "", "00000002").
			AddRow(1, "000000013", "0000001", "00000009"))

	got, err := src.WriteBack(t.Context(), []keysync.Write{
		{ID: 1, Number: "000000013", HH: "0000001"},
		{ID: 2, Number: "000000021", PE: "00000002"},
	})
	if err != nil {
		t.Fatalf("WriteBack: %v", err)
	}
	// In the order of the writes, whatever order the rows came back in.
	want := []keysync.Written{
		{ID: 1, Found: true, Number: "000000013", HH: "0000001", PE: "00000009"},
		{ID: 2, Found: true, Number: "000000021", PE: "00000002"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Written:\n got %+v\nwant %+v", got, want)
	}
	mustMet(t, mock)
}

func TestSource_WriteBackNothingToSetOnlyReads(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, typo3.Config{})
	mock.ExpectQuery("SELECT uid, COALESCE(`tx_keysync_customer_number`, ''), COALESCE(`tx_keysync_wibisoft_hh_id`, ''), COALESCE(`tx_keysync_wibisoft_pe_id`, '') FROM `fe_users` WHERE uid IN (?)").
		WithArgs(4).WillReturnRows(sqlmock.NewRows([]string{"uid", "number", "hh", "pe"}))

	got, err := src.WriteBack(t.Context(), []keysync.Write{{ID: 4}})
	if err != nil {
		t.Fatalf("WriteBack: %v", err)
	}
	if want := []keysync.Written{{ID: 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Written=%+v, want %+v", got, want)
	}
	if got, err := src.WriteBack(t.Context(), nil); got != nil || err != nil {
		t.Errorf("WriteBack(nil)=%v, %v, want nothing and no statement", got, err)
	}
	mustMet(t, mock)
}

func TestSource_ReadErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		expect  func(sqlmock.Sqlmock)
		wantIs  error
		wantMsg string
	}{
		{"query fails", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(sweepSQL).WillReturnError(errBoom)
		}, errBoom, "fe_users"},
		{"scan fails", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(sweepSQL).WillReturnRows(sqlmock.NewRows(accountColumns).
				AddRow("seven", 5, 0, 0, 0, 0, 0, 0, "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""))
		}, nil, "read fe_users row"},
		{"rows fail midway", func(m sqlmock.Sqlmock) {
			m.ExpectQuery(sweepSQL).WillReturnRows(accountRows().RowError(1, errBoom))
		}, errBoom, "fe_users"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, mock := mustMock(t, typo3.Config{})
			tc.expect(mock)
			got, err := src.Sweep(t.Context(), 3, 50, now)
			if err == nil {
				t.Fatalf("Sweep=%v, want an error", got)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error=%v, want it to wrap %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error=%q, want context %q", err, tc.wantMsg)
			}
			if got != nil {
				t.Errorf("accounts=%v on error, want none", got)
			}
			mustMet(t, mock)
		})
	}
}

func TestSource_WriteBackErrors(t *testing.T) {
	t.Parallel()
	writes := []keysync.Write{{ID: 1, Number: "000000013", HH: "0000001"}, {ID: 2, Number: "000000021", PE: "00000002"}}
	rowsOf := func() *sqlmock.Rows { return sqlmock.NewRows([]string{"uid", "number", "hh", "pe"}) }
	cases := []struct {
		name    string
		expect  func(sqlmock.Sqlmock)
		wantIs  error
		wantMsg string
	}{
		{"update fails", func(m sqlmock.Sqlmock) {
			m.ExpectExec(writeBackSQL).WillReturnError(errBoom)
		}, errBoom, "update: "},
		{"read-back fails", func(m sqlmock.Sqlmock) {
			m.ExpectExec(writeBackSQL).WillReturnResult(sqlmock.NewResult(0, 2))
			m.ExpectQuery(readBackSQL).WillReturnError(errBoom)
		}, errBoom, "read back: "},
		{"read-back scan fails", func(m sqlmock.Sqlmock) {
			m.ExpectExec(writeBackSQL).WillReturnResult(sqlmock.NewResult(0, 2))
			m.ExpectQuery(readBackSQL).WillReturnRows(rowsOf().AddRow("one", "", "", ""))
		}, nil, "read back: "},
		{"read-back rows fail", func(m sqlmock.Sqlmock) {
			m.ExpectExec(writeBackSQL).WillReturnResult(sqlmock.NewResult(0, 2))
			m.ExpectQuery(readBackSQL).WillReturnRows(rowsOf().AddRow(1, "", "", "").AddRow(2, "", "", "").RowError(1, errBoom))
		}, errBoom, "read back: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, mock := mustMock(t, typo3.Config{})
			tc.expect(mock)
			got, err := src.WriteBack(t.Context(), writes)
			if err == nil {
				t.Fatalf("WriteBack=%v, want an error", got)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("error=%v, want it to wrap %v", err, tc.wantIs)
			}
			if !strings.HasPrefix(err.Error(), tc.wantMsg) {
				t.Errorf("error=%q, want prefix %q", err, tc.wantMsg)
			}
			if got != nil {
				t.Errorf("Written=%v on error, want none", got)
			}
			mustMet(t, mock)
		})
	}
}

func TestSource_MigrateLockHeld(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, typo3.Config{})
	mock.ExpectQuery("SELECT GET_LOCK(?, ?)").WithArgs("keysync.migrate.fe_users", 60).
		WillReturnRows(sqlmock.NewRows([]string{"got"}).AddRow(0))

	stmts, err := src.Migrate(t.Context())
	if !errors.Is(err, sqlutil.ErrLocked) || !strings.Contains(err.Error(), "keysync.migrate.fe_users") {
		t.Fatalf("Migrate=%q, %v, want ErrLocked naming the lock", stmts, err)
	}
	mustMet(t, mock)
}

func TestNew_RefusesBadIdentifiers(t *testing.T) {
	t.Parallel()
	db, _, err := sqlmock.New()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, cfg := range []typo3.Config{
		{Name: "a", Table: "fe_users; DROP TABLE x"},
		{Name: "a", NumberColumn: "`cnum`"},
		{Name: "a", HHColumn: "hh id"},
		{Name: "a", PEColumn: "1pe"},
	} {
		if _, err := typo3.New(db, cfg); err == nil || !strings.Contains(err.Error(), "invalid identifier") {
			t.Errorf("New(%+v)=%v, want an invalid identifier error", cfg, err)
		}
	}
}

// The range checksum and the bounded lean read of a reconciliation.
const (
	rowSumHead = "SELECT uid DIV ?, COUNT(*), BIT_XOR(CRC32(CONCAT_WS('|', uid, " +
		"IF(deleted <> 0, 3, IF(deleted = 0 AND disable = 0 AND starttime <= ? AND (endtime = 0 OR endtime > ?), 1, 2)), " +
		"`tx_keysync_customer_number`, COALESCE(`tx_keysync_wibisoft_hh_id`, ''), COALESCE(`tx_keysync_wibisoft_pe_id`, ''), `tx_keysync_customer_number`))) FROM `fe_users` " +
		"WHERE uid >= ?"
	rowSumTail = " AND `tx_keysync_customer_number` <> ''"
	rowSumPart = rowSumHead + " AND uid < ?" + rowSumTail + " GROUP BY 1 ORDER BY 1" // a part of the uids
	rowSumSQL  = rowSumHead + rowSumTail + " GROUP BY 1 ORDER BY 1"                  // the last part
	rowSumPIDs = rowSumHead + rowSumTail + " AND pid IN (?,?) GROUP BY 1 ORDER BY 1"
	uidBounds  = "SELECT COALESCE(MIN(uid), 1), COALESCE(MAX(uid), 0) FROM `fe_users` WHERE uid > 0"
	blankHead  = "SELECT uid DIV ?, COUNT(*) FROM `fe_users` WHERE uid > 0 AND (`tx_keysync_customer_number` = '' OR `tx_keysync_customer_number` IS NULL)"
	blankSQL   = blankHead + " GROUP BY 1 ORDER BY 1"
	blankPIDs  = blankHead + " AND pid IN (?,?) GROUP BY 1 ORDER BY 1"
	keysSelect = "SELECT uid, deleted <> 0, deleted = 0 AND disable = 0 AND starttime <= ? AND (endtime = 0 OR endtime > ?), " +
		"COALESCE(`tx_keysync_customer_number`, ''), COALESCE(`tx_keysync_wibisoft_hh_id`, ''), COALESCE(`tx_keysync_wibisoft_pe_id`, '') FROM `fe_users`"
	keysBetweenSQL = keysSelect + " WHERE uid > ? AND uid <= ? ORDER BY uid LIMIT ?"
	keysSQL        = keysSelect + " WHERE uid > ? ORDER BY uid LIMIT ?"
)

func TestSource_RangeSumSQL(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	ts := now.Unix()
	src, mock := mustMock(t, typo3.Config{})
	// The sums of the two halves of the uids and the count of rows without
	// a number run at the same time, in any order.
	mock.MatchExpectationsInOrder(false)
	bounds := func(lo, hi int) *sqlmock.Rows { return sqlmock.NewRows([]string{"lo", "hi"}).AddRow(lo, hi) }
	mock.ExpectQuery(uidBounds).WillReturnRows(bounds(1, 500))
	mock.ExpectQuery(rowSumPart).WithArgs(128, ts, ts, 1, 256).WillReturnRows(
		sqlmock.NewRows([]string{"r", "n", "xor"}).AddRow(0, 120, uint64(4294967295)))
	mock.ExpectQuery(rowSumSQL).WithArgs(128, ts, ts, 256).WillReturnRows(
		sqlmock.NewRows([]string{"r", "n", "xor"}).AddRow(3, 2, 17))
	mock.ExpectQuery(blankSQL).WithArgs(128).WillReturnRows(sqlmock.NewRows([]string{"r", "n"}).AddRow(0, 7).AddRow(2, 1).AddRow(4, 3))
	sums, err := src.RowSums(t.Context(), 128, now)
	want := []reconcile.RangeSum{{Range: 0, All: 127, Count: 120, Xor: 4294967295, Blank: 7}, {Range: 2, All: 1, Blank: 1}, {Range: 3, All: 2, Count: 2, Xor: 17}, {Range: 4, All: 3, Blank: 3}}
	if err != nil || !reflect.DeepEqual(sums, want) {
		t.Errorf("RowSums=%+v, %v, want %+v", sums, err, want)
	}
	mustMet(t, mock)

	mock.ExpectQuery(keysBetweenSQL).WithArgs(ts, ts, 383, 511, 3).WillReturnRows(
		sqlmock.NewRows([]string{"uid", "deleted", "active", "n", "hh", "pe"}).AddRow(400, false, true, " 1000001 ", "7", "8"))
	rows, err := src.SweepKeysBetween(t.Context(), 383, 511, 3, now)
	if err != nil || len(rows) != 1 || rows[0].ID != 400 || rows[0].Number != "1000001" || !rows[0].Active {
		t.Errorf("SweepKeysBetween=%+v, %v", rows, err)
	}
	mock.ExpectQuery(keysSQL).WithArgs(ts, ts, 0, 10).WillReturnRows(sqlmock.NewRows([]string{"uid", "deleted", "active", "n", "hh", "pe"}))
	if _, err := src.SweepKeys(t.Context(), 0, 10, now); err != nil {
		t.Errorf("SweepKeys: %v", err)
	}
	mustMet(t, mock)

	// One part failing fails the sums, after the others ended.
	mock.ExpectQuery(uidBounds).WillReturnRows(bounds(1, 500))
	mock.ExpectQuery(rowSumPart).WithArgs(64, ts, ts, 1, 256).WillReturnError(errBoom)
	mock.ExpectQuery(rowSumSQL).WithArgs(64, ts, ts, 256).WillReturnRows(sqlmock.NewRows([]string{"r", "n", "xor"}))
	mock.ExpectQuery(blankSQL).WithArgs(64).WillReturnRows(sqlmock.NewRows([]string{"r", "n"}))
	if _, err := src.RowSums(t.Context(), 64, now); !errors.Is(err, errBoom) {
		t.Errorf("RowSums=%v, want the server's error", err)
	}
	mustMet(t, mock)

	// An empty table is one part.
	pids, mock := mustMock(t, typo3.Config{PIDs: []uint64{27, 28}})
	mock.MatchExpectationsInOrder(false)
	mock.ExpectQuery(uidBounds).WillReturnRows(bounds(1, 0))
	mock.ExpectQuery(rowSumPIDs).WithArgs(128, ts, ts, 1, 27, 28).WillReturnRows(sqlmock.NewRows([]string{"r", "n", "xor"}))
	mock.ExpectQuery(blankPIDs).WithArgs(128, 27, 28).WillReturnRows(sqlmock.NewRows([]string{"r", "n"}))
	if sums, err := pids.RowSums(t.Context(), 128, now); err != nil || len(sums) != 0 {
		t.Errorf("RowSums with PIDs=%+v, %v", sums, err)
	}
	mustMet(t, mock)
}

// TestSource_DuplicatesSQL pins the grouping query and the read of a
// group's rows, and that a failed read fails the page.
func TestSource_DuplicatesSQL(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, typo3.Config{PIDs: []uint64{27}})
	const (
		groups = "SELECT `tx_keysync_customer_number`, COUNT(*) FROM `fe_users` WHERE `tx_keysync_customer_number` > ? AND deleted = 0 AND pid IN (?) " +
			"GROUP BY `tx_keysync_customer_number` HAVING COUNT(*) > 1 ORDER BY `tx_keysync_customer_number` LIMIT ?"
		rows = "SELECT uid FROM `fe_users` WHERE `tx_keysync_customer_number` = ? AND deleted = 0 AND pid IN (?) ORDER BY uid LIMIT 50"
	)
	mock.ExpectQuery(groups).WithArgs("", 27, 10).WillReturnRows(sqlmock.NewRows([]string{"n", "c"}).AddRow("D1", 2).AddRow("D2", 3))
	mock.ExpectQuery(rows).WithArgs("D1", 27).WillReturnRows(sqlmock.NewRows([]string{"uid"}).AddRow(4).AddRow(9))
	mock.ExpectQuery(rows).WithArgs("D2", 27).WillReturnError(errBoom)
	if _, err := src.Duplicates(t.Context(), "", 10); !errors.Is(err, errBoom) || !strings.Contains(err.Error(), `"D2"`) {
		t.Errorf("Duplicates=%v, want the server's error naming D2", err)
	}
	mock.ExpectQuery(groups).WithArgs("D2", 27, 10).WillReturnRows(sqlmock.NewRows([]string{"n", "c"}).AddRow("D3", 2))
	mock.ExpectQuery(rows).WithArgs("D3", 27).WillReturnRows(sqlmock.NewRows([]string{"uid"}).AddRow(5).AddRow(6))
	if got, err := src.Duplicates(t.Context(), "D2", 10); err != nil || len(got) != 1 || !slices.Equal(got[0].IDs, []uint64{5, 6}) || got[0].Rows != 2 {
		t.Errorf("Duplicates=%+v, %v", got, err)
	}
	mustMet(t, mock)
}
