package testdb

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"testing"
)

// NeedTool returns the path of a command line tool a test runs, such as php
// or systemd-analyze. Without it the test is skipped with a message naming
// the Debian package; under CI it fails instead, because .ci/run installs
// every such tool and a skip there would hide a check that never ran.
func NeedTool(tb testing.TB, name, debianPackage string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if InCI(tb) {
		tb.Fatalf("%s not found, and CI is set: install %s (.ci/run does)", name, debianPackage)
	}
	tb.Skipf("%s not found; install %s to run this check", name, debianPackage)
	return ""
}

// PHPLint runs `php -l` on every .php file under dir, as the PHP code that
// keysync ships for TYPO3 and WordPress has no other compiler. A directory
// without PHP files fails: the path is wrong.
func PHPLint(tb testing.TB, dir string) {
	tb.Helper()
	php := NeedTool(tb, "php", "php-cli")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".php" {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no .php files under %s", dir)
	}
	for _, f := range files {
		// -n: no php.ini, so a site's settings cannot change the result.
		if out, err := exec.Command(php, "-n", "-l", f).CombinedOutput(); err != nil {
			tb.Errorf("php -l %s: %v\n%s", f, err, out)
		}
	}
}
