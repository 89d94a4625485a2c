package testdb

import (
	"bytes"
	"embed"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// WordPressPath is where Debian's wordpress package installs WordPress.
const WordPressPath = "/usr/share/wordpress"

//go:embed php/*.php
var wpPHP embed.FS

// RealWordPress is a real WordPress (Debian's package) installed into a
// test database and driven with php-cli, for tests that need users and
// meta written the way WordPress writes them, its hooks firing and its
// must-use plugins loaded. Nothing under /etc or /usr changes: the
// settings come from the environment (php/bootstrap.php).
type RealWordPress struct {
	php  string
	dir  string
	env  []string
	runs int
}

// NeedWordPress returns the php binary after checking that php-cli with
// mysqli and the wordpress package are there. Without them the test is
// skipped, naming the packages; under CI it fails, as .ci/run installs
// them.
func NeedWordPress(tb testing.TB) string {
	tb.Helper()
	php := NeedTool(tb, "php", "php-cli")
	missing := ""
	if _, err := os.Stat(filepath.Join(WordPressPath, "wp-settings.php")); err != nil {
		missing = "wordpress"
	} else if out, err := exec.Command(php, "-m").Output(); err != nil || !bytes.Contains(out, []byte("\nmysqli\n")) {
		missing = "php-mysql"
	}
	if missing == "" {
		return php
	}
	if InCI(tb) {
		tb.Fatalf("%s is missing, and CI is set: install %s (.ci/run does)", missing, missing)
	}
	tb.Skipf("%s is missing; install %s to run this test", missing, missing)
	return ""
}

// NewRealWordPress installs WordPress into the database of dsn (made by
// New) with the table prefix, loading the given must-use plugin files and
// one that swallows mail.
func NewRealWordPress(tb testing.TB, dsn, prefix string, plugins ...string) *RealWordPress {
	tb.Helper()
	php := NeedWordPress(tb)
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || cfg.Net != "tcp" {
		tb.Fatalf("testdb: WordPress needs a TCP DSN: %v", err)
	}
	w := &RealWordPress{php: php, dir: tb.TempDir()}
	mu := filepath.Join(w.dir, "mu-plugins")
	if err := os.Mkdir(mu, 0o755); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"bootstrap.php", "install.php", "nomail.php"} {
		b, err := wpPHP.ReadFile("php/" + name)
		if err != nil {
			tb.Fatal(err)
		}
		dst := filepath.Join(w.dir, name)
		if name == "nomail.php" {
			dst = filepath.Join(mu, name)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	for _, p := range plugins {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(mu, filepath.Base(p)), b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	w.env = append(os.Environ(), "KS_WP_DB_NAME="+cfg.DBName, "KS_WP_DB_HOST="+cfg.Addr, "KS_WP_DB_USER="+cfg.User,
		"KS_WP_DB_PASSWORD="+cfg.Passwd, "KS_WP_PREFIX="+prefix, "KS_WP_MU_DIR="+mu, "KS_WP_ABSPATH="+WordPressPath)
	if out := w.exec(tb, filepath.Join(w.dir, "install.php")); !bytes.Contains(out, []byte("installed")) {
		tb.Fatalf("testdb: install WordPress: %s", out)
	}
	return w
}

// Run runs PHP code with WordPress loaded, as one request of the site,
// and returns what it printed. A PHP error fails the test.
func (w *RealWordPress) Run(tb testing.TB, code string) string {
	tb.Helper()
	w.runs++
	script := filepath.Join(w.dir, "run"+strconv.Itoa(w.runs)+".php")
	if err := os.WriteFile(script, []byte("<?php\nrequire __DIR__ . '/bootstrap.php';\n"+code+"\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return string(w.exec(tb, script))
}

func (w *RealWordPress) exec(tb testing.TB, script string) []byte {
	tb.Helper()
	cmd := exec.CommandContext(tb.Context(), w.php, script)
	cmd.Env = w.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("php %s: %v\n%s%s", filepath.Base(script), err, out.String(), errb.String())
	}
	return out.Bytes()
}
