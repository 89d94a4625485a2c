package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `the file holds k:xxxxx@tcp(h:3306)/: names no database`},
		{"file holds garbage", "k:" + testPassword + "@tcp(h:3306", "",
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `the file's content is not a valid DSN (it has no /dbname)`},
		{"file holds only the password", testPassword, "",
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `the file's content is not a valid DSN (it has no user:password@ and no /dbname); expected user:password@tcp(host:port)/dbname?params`},
		{"file holds an unsafe DSN", "k:" + testPassword + "@tcp(h:3306)/db?charset=big5", "",
			"KEYSYNC_CENTRAL_DSN_FILE", "<path>", `the file holds k:xxxxx@tcp(h:3306)/db?charset=big5: DSN parameter charset=big5`},
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

// TestLoad_DSNFileIsFIFO: a FIFO named as a DSN file is refused at once; it
// used to block the read, and with it `keysync config`, until a writer came.
func TestLoad_DSNFileIsFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "central.dsn")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	env := with(map[string]string{"KEYSYNC_CENTRAL_DSN": unset, "KEYSYNC_CENTRAL_DSN_FILE": fifo})
	MustEnv(t, env)
	done := make(chan error, 1)
	go func() {
		_, err := Load()
		done <- err
	}()
	select {
	case err := <-done:
		e := findError(configErrors(t, err), "KEYSYNC_CENTRAL_DSN_FILE")
		if e == nil || !strings.Contains(e.Reason, "not a regular file (a FIFO)") {
			t.Fatalf("error=%v, want one saying the file is a FIFO", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Load blocks on a FIFO")
	}
}

// TestLoad_DSNFileTooLarge: a file far larger than a DSN is the wrong
// file; it is refused without being read into memory.
func TestLoad_DSNFileTooLarge(t *testing.T) {
	big := "k:" + testPassword + "@tcp(h:3306)/db" + strings.Repeat("\n", maxSecretFile)
	path := MustWriteFile(t, big)
	e := findError(MustFail(t, with(map[string]string{"KEYSYNC_CENTRAL_DSN": unset, "KEYSYNC_CENTRAL_DSN_FILE": path})), "KEYSYNC_CENTRAL_DSN_FILE")
	if e == nil || !strings.Contains(e.Reason, "more than a DSN or a token ever needs") {
		t.Fatalf("error=%v, want one about the size", e)
	}
	// The limit itself is fine.
	ok := "k:" + testPassword + "@tcp(h:3306)/db"
	path = MustWriteFile(t, ok+strings.Repeat(" ", maxSecretFile-len(ok)))
	MustLoad(t, with(map[string]string{"KEYSYNC_CENTRAL_DSN": unset, "KEYSYNC_CENTRAL_DSN_FILE": path}))
}

// TestLoad_DSNFilePermissions: a DSN file others can read draws a warning
// naming the variable and the fix; root:keysync 0640 (the process's own
// group) and 0600 draw none.
func TestLoad_DSNFilePermissions(t *testing.T) {
	dsn := "k:" + testPassword + "@tcp(h:3306)/db"
	for _, tt := range []struct {
		mode fs.FileMode
		want string
	}{
		{0o600, ""},
		{0o640, ""}, // the test's own group
		{0o644, "is readable by every user (mode 0644)"},
		{0o604, "is readable by every user (mode 0604)"},
	} {
		path := MustWriteFile(t, dsn)
		if err := os.Chmod(path, tt.mode); err != nil {
			t.Fatal(err)
		}
		c := MustLoad(t, with(map[string]string{"KEYSYNC_SOURCE_SHOP_DSN": unset, "KEYSYNC_SOURCE_SHOP_DSN_FILE": path}))
		got := strings.Join(c.Warnings, "\n")
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("mode %04o: warnings %q, want %q", tt.mode, got, tt.want)
		}
		if tt.want != "" && !strings.Contains(got, "KEYSYNC_SOURCE_SHOP_DSN_FILE="+path) {
			t.Errorf("mode %04o: warning %q does not name the variable and path", tt.mode, got)
		}
		if strings.Contains(got, testPassword) {
			t.Errorf("warning leaks the password: %q", got)
		}
	}
}

// TestExposure_ForeignGroup: group-readable is fine only for a group the
// process is in.
func TestExposure_ForeignGroup(t *testing.T) {
	path := MustWriteFile(t, "x")
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	foreign := foreignGroupInfo{st, 4242424}
	if w := exposure("V", path, foreign); !strings.Contains(w, "readable by its group, which is not keysync's") {
		t.Errorf("exposure=%q, want a warning about the group", w)
	}
	if w := exposure("V", path, st); w != "" {
		t.Errorf("own group: exposure=%q, want none", w)
	}
}

// foreignGroupInfo is a file's information with another group id.
type foreignGroupInfo struct {
	fs.FileInfo
	gid uint32
}

func (f foreignGroupInfo) Sys() any {
	st := *f.FileInfo.Sys().(*syscall.Stat_t)
	st.Gid = f.gid
	return &st
}
