package wordpress_test

import (
	"database/sql/driver"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"

	"keysync/internal/sqlutil"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// The statements a source sends for the test prefix and the default meta
// keys. They are pinned here so that a change to them is a deliberate one;
// the database tests run each of them on a real MariaDB.
const (
	checkSQL        = "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?, ?)"
	sweepSingleSQL  = "SELECT ID, user_login, CAST(user_registered AS CHAR), user_status, 0, 0, user_email FROM `wpx_users` WHERE ID > ? ORDER BY ID LIMIT ?"
	sweepMultiSQL   = "SELECT ID, user_login, CAST(user_registered AS CHAR), user_status, spam, deleted, user_email FROM `wpx_users` WHERE ID > ? ORDER BY ID LIMIT ?"
	metaSingleSQL   = "SELECT user_id, meta_key, meta_value FROM `wpx_usermeta` WHERE user_id IN (?,?) AND (meta_key IN (?,?,?,?,?,?,?,?,?,?,?,?,?)) ORDER BY umeta_id"
	metaMultiSQL    = "SELECT user_id, meta_key, meta_value FROM `wpx_usermeta` WHERE user_id IN (?,?) AND (meta_key IN (?,?,?,?,?,?,?,?,?,?,?,?,?) OR meta_key LIKE ?) ORDER BY umeta_id"
	waitingSQL      = "SELECT u.ID FROM `wpx_users` u WHERE u.user_status <> 0 OR NOT EXISTS (SELECT 1 FROM `wpx_usermeta` m WHERE m.user_id = u.ID AND m.meta_key = ? AND TRIM(m.meta_value) <> '')"
	accountsSQL     = "SELECT ID, user_login, CAST(user_registered AS CHAR), user_status, 0, 0, user_email FROM `wpx_users` WHERE ID IN (?,?) ORDER BY ID"
	lockSQL         = "SELECT GET_LOCK(?, ?)"
	unlockSQL       = "DO RELEASE_LOCK(?)"
	writeReadSQL    = "SELECT umeta_id, user_id, meta_key, COALESCE(meta_value, '') FROM `wpx_usermeta` WHERE user_id IN (?,?) AND meta_key IN (?, ?, ?) ORDER BY umeta_id"
	writeUsersSQL   = "SELECT ID FROM `wpx_users` WHERE ID IN (?,?)"
	writeFillSQL    = "UPDATE `wpx_usermeta` SET meta_value = ? WHERE umeta_id = ? AND COALESCE(meta_value, '') = ?"
	writeInsertSQL  = "INSERT INTO `wpx_usermeta` (user_id, meta_key, meta_value) VALUES (?,?,?),(?,?,?),(?,?,?)"
	lockName        = "keysync.wp.blog.wpx_usermeta"
	numberKey       = wordpress.DefaultNumberKey
	hhKey           = wordpress.DefaultHHKey
	peKey           = wordpress.DefaultPEKey
	capabilitiesKey = prefix + "capabilities"
)

var errBoom = errors.New("boom: server has gone away")

// metaKeys are the arguments of the meta query after the user ids.
var metaKeys = []driver.Value{capabilitiesKey, numberKey, hhKey, peKey, "first_name", "last_name",
	"billing_address_1", "billing_address_2", "billing_postcode", "billing_city", "billing_country", "billing_phone", "billing_company"}

// mustMock returns a source on a sqlmock pool that matches statements
// exactly; with multisite, Check has seen spam and deleted.
func mustMock(tb testing.TB, multisite bool) (*wordpress.Source, sqlmock.Sqlmock) {
	tb.Helper()
	db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
	if err != nil {
		tb.Fatalf("sqlmock: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	src, err := wordpress.New(db, wordpress.Config{Name: "blog", TablePrefix: prefix})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	mock.ExpectQuery(checkSQL).WithArgs("wpx_users", "wpx_usermeta", "wpx_keysync_changes").WillReturnRows(columnRows(multisite))
	if err := src.Check(tb.Context()); err != nil {
		tb.Fatalf("Check: %v", err)
	}
	if src.Multisite() != multisite {
		tb.Fatalf("Multisite()=%v, want %v", src.Multisite(), multisite)
	}
	return src, mock
}

func columnRows(multisite bool) *sqlmock.Rows {
	r := sqlmock.NewRows([]string{"TABLE_NAME", "COLUMN_NAME"})
	for _, c := range []string{"ID", "user_login", "user_email", "user_registered", "user_status"} {
		r.AddRow("wpx_users", c)
	}
	if multisite {
		r.AddRow("wpx_users", "spam").AddRow("wpx_users", "deleted")
	}
	for _, c := range []string{"umeta_id", "user_id", "meta_key", "meta_value"} {
		r.AddRow("wpx_usermeta", c)
	}
	for _, c := range []string{"id", "user_id", "changed_at"} {
		r.AddRow("wpx_keysync_changes", c)
	}
	return r
}

func mustMet(tb testing.TB, mock sqlmock.Sqlmock) {
	tb.Helper()
	if err := mock.ExpectationsWereMet(); err != nil {
		tb.Errorf("sqlmock: %v", err)
	}
}

func userRows() *sqlmock.Rows {
	return sqlmock.NewRows([]string{"ID", "user_login", "user_registered", "user_status", "spam", "deleted", "user_email"}).
		AddRow(7, "anna", "2024-03-01 10:00:00", 0, 0, 0, "anna@gmx.at").
		AddRow(9, "bp", "0000-00-00 00:00:00", 2, 0, 1, "bp@aon.at")
}

func metaRows(site2 bool) *sqlmock.Rows {
	r := sqlmock.NewRows([]string{"user_id", "meta_key", "meta_value"}).
		AddRow(7, "first_name", "Anna").
		AddRow(7, "last_name", "Gruber").
		AddRow(7, "first_name", "Other").
		AddRow(7, capabilitiesKey, `a:1:{s:10:"subscriber";b:1;}`).
		AddRow(9, numberKey, nil).
		AddRow(9, hhKey, " 0000900 ").
		AddRow(404, "first_name", "Nobody")
	if site2 {
		r.AddRow(7, prefix+"2_capabilities", `a:1:{s:6:"editor";b:1;}`)
	}
	return r
}

func TestSource_SweepSQL(t *testing.T) {
	t.Parallel()
	reg := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		multisite     bool
		sweep, meta   string
		groups        []string
		secondDeleted bool
	}{
		{name: "single site", sweep: sweepSingleSQL, meta: metaSingleSQL, groups: []string{"subscriber"}},
		{name: "multisite", multisite: true, sweep: sweepMultiSQL, meta: metaMultiSQL, groups: []string{"subscriber", "site2:editor"}, secondDeleted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, mock := mustMock(t, tc.multisite)
			args := append([]driver.Value{7, 9}, metaKeys...)
			if tc.multisite {
				args = append(args, `wpx\_%\_capabilities`)
			}
			mock.ExpectQuery(tc.sweep).WithArgs(3, 50).WillReturnRows(userRows())
			mock.ExpectQuery(tc.meta).WithArgs(args...).WillReturnRows(metaRows(tc.multisite))

			got, err := src.Sweep(t.Context(), 3, 50, now)
			if err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			want := []keysync.Account{
				{Source: "blog", ID: 7, Active: true, Username: "anna", Email: "anna@gmx.at", FirstName: "Anna", LastName: "Gruber", Groups: tc.groups, Registered: reg},
				// The test rows say deleted=1 even for a single site: the
				// query reads 0 there, so only multisite sees it.
				{Source: "blog", ID: 9, Deleted: true, Username: "bp", Email: "bp@aon.at", HH: "0000900"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("accounts:\n got %+v\nwant %+v", got, want)
			}
			mustMet(t, mock)
		})
	}
}

func TestSource_PendingSQL(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, false)
	mock.ExpectQuery(waitingSQL).WithArgs(numberKey).WillReturnRows(sqlmock.NewRows([]string{"ID"}).AddRow(7).AddRow(9).AddRow(2))
	mock.ExpectQuery(accountsSQL).WithArgs(7, 9).WillReturnRows(
		sqlmock.NewRows([]string{"ID", "user_login", "user_registered", "user_status", "spam", "deleted", "user_email"}).
			AddRow(7, "anna", "2024-03-01 10:00:00", 0, 0, 0, "anna@gmx.at"))
	mock.ExpectQuery("SELECT user_id, meta_key, meta_value FROM `wpx_usermeta` WHERE user_id IN (?) AND (meta_key IN (?,?,?,?,?,?,?,?,?,?,?,?,?)) ORDER BY umeta_id").
		WithArgs(append([]driver.Value{7}, metaKeys...)...).WillReturnRows(sqlmock.NewRows([]string{"user_id", "meta_key", "meta_value"}))

	got, err := src.Pending(t.Context(), 2, 50, now)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	if len(got) != 1 || got[0].ID != 7 || !got[0].Active {
		t.Errorf("Pending=%+v, want user 7", got)
	}
	mustMet(t, mock)
}

func TestSource_WriteBackSQL(t *testing.T) {
	t.Parallel()
	src, mock := mustMock(t, false)
	metaCols := []string{"umeta_id", "user_id", "meta_key", "meta_value"}
	mock.ExpectQuery(lockSQL).WithArgs(lockName, 30).WillReturnRows(sqlmock.NewRows([]string{"l"}).AddRow(1))
	mock.ExpectQuery(writeReadSQL).WithArgs(7, 9, numberKey, hhKey, peKey).WillReturnRows(sqlmock.NewRows(metaCols).
		AddRow(70, 7, numberKey, "").
		AddRow(71, 7, numberKey, "LATER"))
	mock.ExpectQuery(writeUsersSQL).WithArgs(7, 9).WillReturnRows(sqlmock.NewRows([]string{"ID"}).AddRow(7).AddRow(9))
	mock.ExpectExec(writeFillSQL).WithArgs("N7", 70, "").WillReturnResult(sqlmock.NewResult(0, 1))
	mock.ExpectExec(writeInsertSQL).WithArgs(7, hhKey, "H7", 7, peKey, "P7", 9, numberKey, "N9").WillReturnResult(sqlmock.NewResult(72, 3))
	mock.ExpectQuery(writeReadSQL).WithArgs(7, 9, numberKey, hhKey, peKey).WillReturnRows(sqlmock.NewRows(metaCols).
		AddRow(70, 7, numberKey, "N7").
		AddRow(71, 7, numberKey, "LATER").
		AddRow(72, 7, hhKey, "H7").
		AddRow(73, 7, peKey, "P7").
		AddRow(74, 9, numberKey, "N9"))
	mock.ExpectExec(unlockSQL).WithArgs(lockName).WillReturnResult(sqlmock.NewResult(0, 0))

	got, err := src.WriteBack(t.Context(), []keysync.Write{{ID: 7, Number: "N7", HH: "H7", PE: "P7"}, {ID: 9, Number: "N9"}})
	if err != nil {
		t.Fatalf("WriteBack: %v", err)
	}
	want := []keysync.Written{{ID: 7, Found: true, Number: "N7", HH: "H7", PE: "P7"}, {ID: 9, Found: true, Number: "N9"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Written=%+v, want %+v", got, want)
	}
	mustMet(t, mock)
}

func TestSource_SQLErrors(t *testing.T) {
	t.Parallel()
	writes := []keysync.Write{{ID: 7, Number: "N7"}, {ID: 9, Number: "N9"}}
	metaCols := []string{"umeta_id", "user_id", "meta_key", "meta_value"}
	lock := func(mock sqlmock.Sqlmock) {
		mock.ExpectQuery(lockSQL).WithArgs(lockName, 30).WillReturnRows(sqlmock.NewRows([]string{"l"}).AddRow(1))
	}
	unlock := func(mock sqlmock.Sqlmock) {
		mock.ExpectExec(unlockSQL).WithArgs(lockName).WillReturnResult(sqlmock.NewResult(0, 0))
	}
	cases := []struct {
		name   string
		expect func(sqlmock.Sqlmock)
		call   func(*wordpress.Source) error
		is     error
		text   string
	}{
		{
			name:   "sweep",
			expect: func(m sqlmock.Sqlmock) { m.ExpectQuery(sweepSingleSQL).WithArgs(0, 10).WillReturnError(errBoom) },
			call:   func(s *wordpress.Source) error { _, err := s.Sweep(t.Context(), 0, 10, now); return err },
			is:     errBoom,
		},
		{
			name: "user meta",
			expect: func(m sqlmock.Sqlmock) {
				m.ExpectQuery(sweepSingleSQL).WithArgs(0, 10).WillReturnRows(userRows())
				m.ExpectQuery(metaSingleSQL).WillReturnError(errBoom)
			},
			call: func(s *wordpress.Source) error { _, err := s.Sweep(t.Context(), 0, 10, now); return err },
			is:   errBoom, text: "read user meta",
		},
		{
			name:   "pending",
			expect: func(m sqlmock.Sqlmock) { m.ExpectQuery(waitingSQL).WithArgs(numberKey).WillReturnError(errBoom) },
			call:   func(s *wordpress.Source) error { _, err := s.Pending(t.Context(), 0, 10, now); return err },
			is:     errBoom, text: "read inactive users",
		},
		{
			name: "lock held",
			expect: func(m sqlmock.Sqlmock) {
				m.ExpectQuery(lockSQL).WithArgs(lockName, 30).WillReturnRows(sqlmock.NewRows([]string{"l"}).AddRow(0))
			},
			call: func(s *wordpress.Source) error { _, err := s.WriteBack(t.Context(), writes); return err },
			is:   sqlutil.ErrLocked,
		},
		{
			name: "read meta",
			expect: func(m sqlmock.Sqlmock) {
				lock(m)
				m.ExpectQuery(writeReadSQL).WillReturnError(errBoom)
				unlock(m)
			},
			call: func(s *wordpress.Source) error { _, err := s.WriteBack(t.Context(), writes); return err },
			is:   errBoom, text: "read meta",
		},
		{
			name: "insert",
			expect: func(m sqlmock.Sqlmock) {
				lock(m)
				m.ExpectQuery(writeReadSQL).WillReturnRows(sqlmock.NewRows(metaCols))
				m.ExpectQuery(writeUsersSQL).WillReturnRows(sqlmock.NewRows([]string{"ID"}).AddRow(7).AddRow(9))
				m.ExpectExec("INSERT INTO `wpx_usermeta` (user_id, meta_key, meta_value) VALUES (?,?,?),(?,?,?)").WillReturnError(errBoom)
				unlock(m)
			},
			call: func(s *wordpress.Source) error { _, err := s.WriteBack(t.Context(), writes); return err },
			is:   errBoom, text: "insert meta",
		},
		{
			name: "fill",
			expect: func(m sqlmock.Sqlmock) {
				lock(m)
				m.ExpectQuery(writeReadSQL).WillReturnRows(sqlmock.NewRows(metaCols).AddRow(70, 7, numberKey, ""))
				m.ExpectQuery(writeUsersSQL).WillReturnRows(sqlmock.NewRows([]string{"ID"}).AddRow(7))
				m.ExpectExec(writeFillSQL).WillReturnError(errBoom)
				unlock(m)
			},
			call: func(s *wordpress.Source) error { _, err := s.WriteBack(t.Context(), writes); return err },
			is:   errBoom, text: "fill meta",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, mock := mustMock(t, false)
			tc.expect(mock)
			err := tc.call(src)
			if !errors.Is(err, tc.is) || !strings.Contains(fmtErr(err), tc.text) {
				t.Errorf("error=%v, want one wrapping %v and saying %q", err, tc.is, tc.text)
			}
			mustMet(t, mock)
		})
	}

	t.Run("check", func(t *testing.T) {
		t.Parallel()
		db, mock, err := sqlmock.New(sqlmock.QueryMatcherOption(sqlmock.QueryMatcherEqual))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		src, err := wordpress.New(db, wordpress.Config{Name: "blog", TablePrefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		mock.ExpectQuery(checkSQL).WillReturnError(errBoom)
		if err := src.Check(t.Context()); !errors.Is(err, errBoom) || errors.Is(err, keysync.ErrSchema) {
			t.Errorf("Check=%v, want the connection error, not a schema finding", err)
		}
		mustMet(t, mock)
	})
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
