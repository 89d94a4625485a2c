package sqlutil_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
)

// injection is a registrant's name that ends a string literal in gbk when
// it is escaped on the client: 丿 is E4 B8 BF in UTF-8, and gbk reads BF
// together with the escaping backslash as one character.
const injection = "丿' OR 1=1 -- "

// injected reports whether the name above escaped its literal on db: the
// WHERE clause is true only then.
func injected(tb testing.TB, db *sql.DB) bool {
	tb.Helper()
	var n int
	if err := db.QueryRowContext(tb.Context(), `SELECT COUNT(*) FROM (SELECT 1 AS x) t WHERE ? = 'never'`, injection).Scan(&n); err != nil {
		tb.Fatalf("query: %v", err)
	}
	return n > 0
}

// TestOpen_RefusesUnsafeCharset: with charset=gbk and keysync's client-side
// interpolation a name runs as SQL; Open refuses that DSN, and the
// character sets it accepts keep the name a value.
func TestOpen_RefusesUnsafeCharset(t *testing.T) {
	dsn, _ := testdb.New(t, "dsnsafety")
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}

	// The finding: the driver as keysync configures it, with charset=gbk.
	gbk := cfg.Clone()
	if err := gbk.Apply(mysql.Charset("gbk", "")); err != nil {
		t.Fatal(err)
	}
	gbk.InterpolateParams = true
	conn, err := mysql.NewConnector(gbk)
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(conn)
	defer raw.Close()
	if !injected(t, raw) {
		t.Fatal("the gbk connection kept the name a value; the test no longer shows why gbk is refused")
	}

	for _, cs := range []string{"gbk", "big5", "sjis", "cp932", "gb2312", "GBK", "utf8mb4,gbk"} {
		if _, err := sqlutil.Open(dsnWith(dsn, "charset="+cs)); !errors.Is(err, sqlutil.ErrUnsafeDSN) {
			t.Errorf("Open with charset=%s: err=%v, want ErrUnsafeDSN", cs, err)
		}
	}
	for _, cs := range sqlutil.SafeCharsets {
		db, err := sqlutil.Open(dsnWith(dsn, "charset="+cs))
		if err != nil {
			t.Fatalf("Open with charset=%s: %v", cs, err)
		}
		if injected(t, db) {
			t.Errorf("charset=%s: the name ran as SQL", cs)
		}
		db.Close()
	}
}

// dsnWith adds a parameter to a DSN.
func dsnWith(dsn, param string) string {
	if strings.Contains(dsn[strings.LastIndexByte(dsn, '/'):], "?") {
		return dsn + "&" + param
	}
	return dsn + "?" + param
}

func TestCheckDSNSafety(t *testing.T) {
	tests := []struct {
		params    string
		wantParam string // "" when the DSN is safe
	}{
		{"", ""},
		{"charset=utf8mb4", ""},
		{"charset=utf8mb4,utf8", ""},
		{"charset=latin1&collation=latin1_german1_ci", ""},
		{"collation=utf8mb4_unicode_ci", ""},
		{"tls=true&parseTime=true&sql_mode=%27STRICT_ALL_TABLES%27", ""},
		{"allowAllFiles=false&allowCleartextPasswords=false", ""},
		{"charset=gbk", "charset"},
		{"charset=utf8mb4,big5", "charset"},
		{"collation=gbk_chinese_ci", "collation"},
		{"collation=sjis_japanese_ci", "collation"},
		{"allowAllFiles=true", "allowAllFiles"},
		{"allowCleartextPasswords=1", "allowCleartextPasswords"},
		{"character_set_client=gbk", "character_set_client"},
		{"CHARACTER_SET_CONNECTION=%27big5%27", "CHARACTER_SET_CONNECTION"},
		{"collation_connection=cp932_bin", "collation_connection"},
	}
	for _, tt := range tests {
		t.Run(tt.params, func(t *testing.T) {
			dsn := "keysync:secret@tcp(db:3306)/keysync"
			if tt.params != "" {
				dsn += "?" + tt.params
			}
			cfg, err := mysql.ParseDSN(dsn)
			if err != nil {
				t.Fatal(err)
			}
			err = sqlutil.CheckDSNSafety(cfg)
			var pe *sqlutil.UnsafeParamError
			switch {
			case tt.wantParam == "" && err != nil:
				t.Errorf("err=%v, want none", err)
			case tt.wantParam != "" && !errors.As(err, &pe):
				t.Errorf("err=%v, want an *UnsafeParamError", err)
			case tt.wantParam != "" && pe.Param != tt.wantParam:
				t.Errorf("Param=%q, want %q", pe.Param, tt.wantParam)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("err=%v quotes the password", err)
			}
		})
	}
}
