package typo3_test

import (
	"database/sql"
	"encoding/xml"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
)

// extDir is the TYPO3 extension "keysync" that declares keysync's columns.
const extDir = "extension/"

// extTable is what the extension's ext_tables.sql declares for fe_users.
type extTable struct {
	columns map[string]string   // name -> definition, e.g. "varchar(32) DEFAULT '' NOT NULL"
	order   []string            // column names as declared
	keys    map[string][]string // index name -> columns
}

var (
	extCreateRE = regexp.MustCompile(`(?s)CREATE TABLE fe_users \((.*?)\n\);`)
	extKeyRE    = regexp.MustCompile(`^KEY (\w+) \(([\w,\s]+)\)$`)
	extColumnRE = regexp.MustCompile(`^(\w+) (\S.*)$`)
)

// mustParseExtTables reads ext_tables.sql the way TYPO3's SqlReader does:
// lines starting with # or -- are comments, one definition per line.
func mustParseExtTables(tb testing.TB) extTable {
	tb.Helper()
	b, err := os.ReadFile(extDir + "ext_tables.sql")
	if err != nil {
		tb.Fatal(err)
	}
	var lines []string
	for line := range strings.Lines(string(b)) {
		if t := strings.TrimSpace(line); !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "--") {
			lines = append(lines, line)
		}
	}
	m := extCreateRE.FindStringSubmatch(strings.Join(lines, ""))
	if m == nil {
		tb.Fatal("ext_tables.sql has no CREATE TABLE fe_users ( ... );")
	}
	t := extTable{columns: map[string]string{}, keys: map[string][]string{}}
	for line := range strings.Lines(m[1]) {
		def := strings.TrimSuffix(strings.TrimSpace(line), ",")
		if def == "" {
			continue
		}
		if k := extKeyRE.FindStringSubmatch(def); k != nil {
			var cols []string
			for c := range strings.SplitSeq(k[2], ",") {
				cols = append(cols, strings.TrimSpace(c))
			}
			t.keys[k[1]] = cols
			continue
		}
		c := extColumnRE.FindStringSubmatch(def)
		if c == nil {
			tb.Fatalf("ext_tables.sql: cannot read %q", def)
		}
		t.columns[c[1]] = c[2]
		t.order = append(t.order, c[1])
	}
	return t
}

// schemaColumn is what MariaDB reports for one column.
type schemaColumn struct {
	Type, Nullable, Default, Charset, Collation string
}

func mustSchemaColumns(tb testing.TB, db *sql.DB, prefix string) map[string]schemaColumn {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COALESCE(COLUMN_DEFAULT, 'NULL'),
		COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, '')
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND COLUMN_NAME LIKE ?`, prefix+"%")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols := map[string]schemaColumn{}
	for rows.Next() {
		var name string
		var c schemaColumn
		if err := rows.Scan(&name, &c.Type, &c.Nullable, &c.Default, &c.Charset, &c.Collation); err != nil {
			tb.Fatal(err)
		}
		cols[name] = c
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return cols
}

func mustSchemaIndexes(tb testing.TB, db *sql.DB, prefix string) map[string][]string {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), `SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'fe_users' AND INDEX_NAME LIKE ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, prefix+"%")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	idx := map[string][]string{}
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			tb.Fatal(err)
		}
		idx[name] = append(idx[name], col)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return idx
}

// TestExtension_DeclaresWhatMigrateAdds keeps ext_tables.sql identical to
// what `keysync migrate` adds. TYPO3's database analyzer proposes to change
// (or, for an undeclared column, to rename to zzz_deleted_*) whatever
// differs, so the two are compared on a real MariaDB: the same fe_users
// table once migrated by keysync, once altered with the extension's
// definitions, must report the same columns and index.
func TestExtension_DeclaresWhatMigrateAdds(t *testing.T) {
	ext := mustParseExtTables(t)

	_, migrated := testdb.New(t, "typo3")
	testdb.CreateFeUsers(t, migrated, testdb.Typo3V13)
	// The default templates: {seq:8}{check}, {seq:7}, {seq:8}.
	src, err := typo3.New(migrated, typo3.Config{Name: "ext", NumberLen: 9, HHLen: 7, PELen: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}

	_, declared := testdb.New(t, "typo3ext")
	testdb.CreateFeUsers(t, declared, testdb.Typo3V13)
	var parts []string
	for _, name := range ext.order {
		parts = append(parts, "ADD COLUMN "+name+" "+ext.columns[name])
	}
	for name, cols := range ext.keys {
		parts = append(parts, "ADD KEY "+name+" ("+strings.Join(cols, ", ")+")")
	}
	testdb.MustExec(t, declared, "ALTER TABLE fe_users "+strings.Join(parts, ", "))

	const ours = "tx_keysync_"
	want, got := mustSchemaColumns(t, migrated, ours), mustSchemaColumns(t, declared, ours)
	for _, name := range []string{typo3.DefaultNumberColumn, typo3.DefaultHHColumn, typo3.DefaultPEColumn} {
		if _, ok := want[name]; !ok {
			t.Errorf("keysync migrate did not add %s", name)
		}
	}
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("ext_tables.sql does not declare %s, which keysync migrate adds as %+v", name, w)
		case g != w:
			t.Errorf("%s: ext_tables.sql declares %q, giving %+v; keysync migrate gives %+v", name, ext.columns[name], g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("ext_tables.sql declares %s, which keysync migrate does not add", name)
		}
	}

	wantIdx, gotIdx := mustSchemaIndexes(t, migrated, ours), mustSchemaIndexes(t, declared, ours)
	if _, ok := wantIdx[typo3.PendingIndex]; !ok {
		t.Errorf("keysync migrate did not add index %s", typo3.PendingIndex)
	}
	for name, w := range wantIdx {
		if g := gotIdx[name]; !slices.Equal(g, w) {
			t.Errorf("index %s: ext_tables.sql declares %v, keysync migrate adds %v", name, g, w)
		}
	}
	for name := range gotIdx {
		if _, ok := wantIdx[name]; !ok {
			t.Errorf("ext_tables.sql declares index %s, which keysync migrate does not add", name)
		}
	}
}

// xliff is the part of an XLIFF 1.2 file the labels live in.
type xliff struct {
	File struct {
		TargetLanguage string `xml:"target-language,attr"`
		Units          []struct {
			ID     string `xml:"id,attr"`
			Source string `xml:"source"`
			Target string `xml:"target"`
		} `xml:"body>trans-unit"`
	} `xml:"file"`
}

func mustXLIFF(tb testing.TB, path string) map[string][2]string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var x xliff
	if err := xml.Unmarshal(b, &x); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	units := map[string][2]string{}
	for _, u := range x.File.Units {
		units[u.ID] = [2]string{u.Source, u.Target}
	}
	return units
}

// TestExtension_TCAShowsEveryColumn checks that the backend form shows each
// declared column read-only and that every label it names exists in English
// and German.
func TestExtension_TCAShowsEveryColumn(t *testing.T) {
	ext := mustParseExtTables(t)
	b, err := os.ReadFile(extDir + "Configuration/TCA/Overrides/fe_users.php")
	if err != nil {
		t.Fatal(err)
	}
	tca := string(b)
	for _, name := range ext.order {
		if !strings.Contains(tca, "'"+name+"' => $readOnly(") {
			t.Errorf("TCA does not add %s as a read-only column", name)
		}
		if !regexp.MustCompile(`'showitem' => '[^']*\b` + name + `\b`).MatchString(tca) {
			t.Errorf("TCA palette does not show %s", name)
		}
	}
	if !strings.Contains(tca, "'readOnly' => true") {
		t.Error("TCA columns are not readOnly")
	}

	const lang = extDir + "Resources/Private/Language/"
	en, de := mustXLIFF(t, lang+"locallang_db.xlf"), mustXLIFF(t, lang+"de.locallang_db.xlf")
	labels := regexp.MustCompile(`\$readOnly\('([\w.]+)'\)|\$ll \. '([\w.]+)`).FindAllStringSubmatch(tca, -1)
	if len(labels) == 0 {
		t.Fatal("TCA names no labels")
	}
	for _, m := range labels {
		id := m[1] + m[2]
		if en[id][0] == "" {
			t.Errorf("locallang_db.xlf has no English label %s", id)
		}
		if de[id][1] == "" || de[id][0] != en[id][0] {
			t.Errorf("de.locallang_db.xlf: %s has target %q for source %q, want a German label for %q", id, de[id][1], de[id][0], en[id][0])
		}
	}
	for id, want := range map[string]string{
		"fe_users." + typo3.DefaultNumberColumn: "Kundennummer",
		"fe_users." + typo3.DefaultHHColumn:     "Wibisoft Haushalt (HH-ID)",
		"fe_users." + typo3.DefaultPEColumn:     "Wibisoft Person (PE-ID)",
	} {
		if got := de[id][1]; got != want {
			t.Errorf("German label %s = %q, want %q", id, got, want)
		}
	}
}
