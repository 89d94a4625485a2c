package config

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLoad_DSNFile(t *testing.T) {
	dsn := "keysync:" + testPassword + "@tcp(db.example:3306)/keysync"
	path := MustWriteFile(t, "\n  "+dsn+"\n\n")
	c := MustLoad(t, with(map[string]string{"KEYSYNC_CENTRAL_DSN": unset, "KEYSYNC_CENTRAL_DSN_FILE": path}))
	if c.CentralDSN != dsn {
		t.Errorf("CentralDSN=%q, want %q", c.CentralDSN, dsn)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("Warnings=%q, want none", c.Warnings)
	}
}

func TestLoad_SourceDSNFile(t *testing.T) {
	dsn := "typo3:" + testPassword + "@tcp(db.example:3306)/typo3"
	path := MustWriteFile(t, dsn+"\n")
	c := MustLoad(t, with(map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": "", "KEYSYNC_SOURCE_SHOP_DSN_FILE": path}))
	if got := c.Sources[0].DSN; got != dsn {
		t.Errorf("DSN=%q, want %q", got, dsn)
	}
}

func TestLoad_DSNFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		// file is the content of the file named by the _FILE variable, or
		// "" to name a path that does not exist.
		file, dsn               string
		wantVar, wantValue, why string
	}{
		{"file missing", "", "", "KEYSYNC_CENTRAL_DSN_FILE", missing, "cannot read the file: no such file or directory"},
		{"file empty", " \n", "", "KEYSYNC_CENTRAL_DSN_FILE", "<path>", "the file is empty"},
		{"both set", "k:" + testPassword + "@tcp(h:3306)/db", "k:" + testPassword + "@tcp(h:3306)/db",
			"KEYSYNC_CENTRAL_DSN", "k:xxxxx@tcp(h:3306)/db", "set together with KEYSYNC_CENTRAL_DSN_FILE"},
		{"file holds no database", "k:" + testPassword + "@tcp(h:3306)/", "",
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `file content "k:xxxxx@tcp(h:3306)/": names no database`},
		{"file holds garbage", "k:" + testPassword + "@tcp(h:3306", "",
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `file content "k:xxxxx@tcp(h:3306": not a valid DSN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := missing
			if tt.file != "" {
				path = MustWriteFile(t, tt.file)
			}
			env := with(map[string]string{"KEYSYNC_CENTRAL_DSN": unset, "KEYSYNC_CENTRAL_DSN_FILE": path})
			if tt.dsn != "" {
				env["KEYSYNC_CENTRAL_DSN"] = tt.dsn
			}
			e := findError(MustFail(t, env), tt.wantVar)
			if e == nil {
				t.Fatalf("no error about %s", tt.wantVar)
			}
			want := strings.ReplaceAll(tt.wantValue, "<path>", path)
			if e.Value != want {
				t.Errorf("Value=%q, want %q", e.Value, want)
			}
			if !strings.Contains(e.Reason, tt.why) {
				t.Errorf("Reason=%q, want it to contain %q", e.Reason, tt.why)
			}
		})
	}
}

func TestLoad_DSNFileIsDirectory(t *testing.T) {
	dir := t.TempDir()
	e := findError(MustFail(t, with(map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": unset, "KEYSYNC_SOURCE_SHOP_DSN_FILE": dir})),
		"KEYSYNC_SOURCE_SHOP_DSN_FILE")
	if e == nil || e.Value != dir || !strings.Contains(e.Reason, "cannot read the file") {
		t.Fatalf("error=%v, want one naming KEYSYNC_SOURCE_SHOP_DSN_FILE and %s", e, dir)
	}
}
