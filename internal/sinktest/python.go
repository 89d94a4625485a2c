package sinktest

import (
	"bytes"
	"encoding/json"
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

// readCSV is Python's csv module reading a file in Excel's dialect with a
// given delimiter, the byte order mark taken off.
const readCSV = `
import csv, json, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    print(json.dumps(list(csv.reader(f, delimiter=sys.argv[2]))))
`

// ReadCSV reads a CSV file back with Python's csv module, an independent
// reader.
func ReadCSV(tb testing.TB, path, delimiter string) [][]string {
	tb.Helper()
	NeedPython(tb, "csv", "python3")
	var rows [][]string
	if err := json.Unmarshal(RunPython(tb, readCSV, path, delimiter), &rows); err != nil {
		tb.Fatal(err)
	}
	return rows
}
