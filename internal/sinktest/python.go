package sinktest

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"keysync/internal/testdb"
)

// Python is Debian's interpreter: the one the python3-* packages install
// into. A python3 earlier on PATH (pyenv) would not have them.
const Python = "/usr/bin/python3"

// NeedPython skips the test unless Debian's python3 can import the module;
// under CI it fails instead, because .ci/run installs the package.
func NeedPython(tb testing.TB, module, debianPackage string) {
	tb.Helper()
	if _, err := os.Stat(Python); err == nil {
		if exec.Command(Python, "-c", "import "+module).Run() == nil {
			return
		}
	}
	if testdb.InCI(tb) {
		tb.Fatalf("%s cannot import %s, and CI is set: install %s (.ci/run does)", Python, module, debianPackage)
	}
	tb.Skipf("%s cannot import %s; install %s to run this check", Python, module, debianPackage)
}

// RunPython runs a script with the arguments and returns its standard
// output; a failing script fails the test with its error output.
func RunPython(tb testing.TB, script string, args ...string) []byte {
	tb.Helper()
	cmd := exec.Command(Python, append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return out
}
