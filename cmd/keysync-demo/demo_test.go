package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"keysync/internal/testdb"
)

// withMariaDB is the script that provides `make demo` its server.
var withMariaDB = filepath.Join("..", "..", ".ci", "with-mariadb")

// TestDemo_PrintedCommandsWorkAfterwards runs the demo as `make demo` does,
// on a server that .ci/with-mariadb keeps, and then runs every mariadb
// command the demo printed for a closer look; a second run reuses the server,
// and --stop removes it with its data.
func TestDemo_PrintedCommandsWorkAfterwards(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a MariaDB server of its own")
	}
	testdb.NeedTool(t, "mariadbd", "mariadb-server")
	testdb.NeedTool(t, "mariadb", "mariadb-client")
	dir := t.TempDir()
	keysync, demo := mustBuild(t, dir, "keysync", "../keysync"), mustBuild(t, dir, "keysync-demo", ".")
	keep, files := filepath.Join(dir, "mariadb"), filepath.Join(dir, "files")
	t.Cleanup(func() { runScript(t, "--stop", keep) })

	out, log := runScript(t, "--keep", keep, demo, "-bin", keysync, "-out", files, "-clean", "make demo-clean")
	if !strings.Contains(log, "kept after the command") {
		t.Fatalf("with-mariadb did not keep the server:\n%s", log)
	}
	commands := printedCommands(t, out)
	for _, c := range commands {
		got, err := exec.Command("sh", "-c", c).CombinedOutput()
		if err != nil || len(bytes.TrimSpace(got)) == 0 {
			t.Errorf("printed command %q after the demo: %v\n%s", c, err, got)
		}
	}
	if !strings.Contains(out, "`make demo-clean` stops the server") {
		t.Errorf("the demo does not say how to remove the kept server:\n%s", out)
	}

	again, log := runScript(t, "--keep", keep, "sh", "-c", `echo "$KEYSYNC_TEST_DSN $WITH_MARIADB_KEPT"`)
	if !strings.Contains(log, "reusing the kept MariaDB") || !strings.Contains(again, keep) || !strings.Contains(commands[0], dsnPort(t, again)) {
		t.Errorf("a second --keep did not reuse the server the demo ran on: %q\n%s", again, log)
	}

	checkStory(t, strings.Fields(again)[0])
	checkSinks(t, files, out)
	checkForgotten(t, files)

	runScript(t, "--stop", keep)
	if _, err := os.Stat(keep); !os.IsNotExist(err) {
		t.Errorf("after --stop, %s: %v, want it removed", keep, err)
	}
	if got, err := exec.Command("sh", "-c", commands[0]).CombinedOutput(); err == nil {
		t.Errorf("after --stop the server still answers %q:\n%s", commands[0], got)
	}
}

// mustBuild builds the command in pkg into dir and returns its path.
func mustBuild(t *testing.T, dir, name, pkg string) string {
	t.Helper()
	bin := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// runScript runs .ci/with-mariadb with args and without KEYSYNC_TEST_DSN, so
// that it starts or reuses a server of its own, and returns the output and
// the script's log.
func runScript(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(withMariaDB, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envServer+"=") && !strings.HasPrefix(kv, envKept+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("with-mariadb %s: %v\n%s\n%s", strings.Join(args, " "), err, out.String(), log.String())
	}
	return out.String(), log.String()
}

// printedCommands returns the mariadb command lines in the demo's output.
func printedCommands(t *testing.T, out string) []string {
	t.Helper()
	var commands []string
	for line := range strings.Lines(out) {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "mariadb ") {
			commands = append(commands, l)
		}
	}
	if len(commands) == 0 {
		t.Fatalf("the demo printed no mariadb command:\n%s", out)
	}
	return commands
}

var portInDSN = regexp.MustCompile(`tcp\(127\.0\.0\.1:(\d+)\)`)

// dsnPort returns "-P PORT" for the port of the DSN in s.
func dsnPort(t *testing.T, s string) string {
	t.Helper()
	m := portInDSN.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no DSN in %q", s)
	}
	return "-P " + m[1] + " "
}

// checkStory checks in the databases the demo left what it told: the same
// person on a TYPO3 portal and the WordPress site has one number, a wife at
// the same address shares the household, a double opt-in on WordPress got a
// number once activated, a number with swapped digits stayed a conflict, and
// the member registered through the API holds a number.
func checkStory(t *testing.T, dsn string) {
	t.Helper()
	srv, err := openServer(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	forum, err := srv.Open(t.Context(), "demo_forum")
	if err != nil {
		t.Fatal(err)
	}
	amicas, err := srv.Open(t.Context(), "demo_amicas")
	if err != nil {
		t.Fatal(err)
	}
	wp, err := wordPressRows(t.Context(), forum)
	if err != nil {
		t.Fatal(err)
	}
	t3, err := typo3Rows(t.Context(), amicas)
	if err != nil {
		t.Fatal(err)
	}
	lukas, eva, markus, florian, lukasAmicas := rowOf(t, wp, "lukas_h"), rowOf(t, wp, "eva.huber"), rowOf(t, wp, "mbauer"), rowOf(t, wp, "fberger"), rowOf(t, t3, "lhuber")
	if lukas.number == "" || lukas.number != lukasAmicas.number {
		t.Errorf("Lukas Huber: forum number %q, amicas number %q, want one number", lukas.number, lukasAmicas.number)
	}
	if eva.number == "" || eva.number == lukas.number || eva.hh != lukas.hh {
		t.Errorf("Eva Huber: number %q HH %q, Lukas Huber %q HH %q: want her own number in his household", eva.number, eva.hh, lukas.number, lukas.hh)
	}
	if markus.stat != "confirmed" || markus.number == "" {
		t.Errorf("Markus Bauer after activation: %s with number %q, want confirmed with a number", markus.stat, markus.number)
	}
	if julia := rowOf(t, t3, "julia.lechner@gmx.at"); julia.number == "" {
		t.Errorf("Julia Lechner, registered through the API: no number in her row")
	}
	checkWibisoft(t, srv)
	if florian.hh != "" || florian.pe != "" {
		t.Errorf("Florian Berger's swapped number %q got ids %q/%q, want a conflict and nothing written", florian.number, florian.hh, florian.pe)
	}
}

func rowOf(t *testing.T, rows []portalRow, username string) portalRow {
	t.Helper()
	for _, r := range rows {
		if r.username == username {
			return r
		}
	}
	t.Fatalf("no account %s in %v", username, rows)
	return portalRow{}
}

// listRows reads the rows of the Excel list the demo exported into files.
func listRows(t *testing.T, files string) [][]string {
	t.Helper()
	list, _, _, _ := (&demo{files: files, out: io.Discard}).sinkFiles()
	f, err := excelize.OpenFile(list)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkSinks checks the files the demo exported after Anna Gruber moved:
// the Excel list read back holds her new street, and combit's file of
// changes holds her alone.
func checkSinks(t *testing.T, files, out string) {
	t.Helper()
	rows := listRows(t, files)
	_, _, crm, _ := (&demo{files: files, out: io.Discard}).sinkFiles()
	var anna []string
	for _, row := range rows {
		if slices.Contains(row, "Gruber") {
			anna = row
		}
	}
	if !slices.Contains(anna, "Elisabethstraße 50") {
		t.Errorf("Anna Gruber's row in the Excel list: %q, want her new street", anna)
	}
	checkChangesPrinted(t, out, strings.TrimSuffix(crm, ".csv")+"-aenderungen.csv")
}

// checkChangesPrinted checks that the demo printed combit's file of
// changes after the move as the header and Anna Gruber's row alone (a
// later export replaces the file).
func checkChangesPrinted(t *testing.T, out, changes string) {
	t.Helper()
	_, after, ok := strings.Cut(out, changes+", holds her alone:\n")
	if !ok {
		t.Fatalf("the demo did not print %s:\n%s", changes, out)
	}
	lines := strings.SplitN(after, "\n", 4)
	if len(lines) < 3 || !strings.Contains(lines[0], "Kundennummer") || !strings.Contains(lines[1], "Gruber") || strings.TrimSpace(lines[2]) != "" {
		t.Errorf("combit's changes after the move: %q, want the header and Anna Gruber alone", lines)
	}
}

// checkWibisoft checks that Franz Österreicher, registering on the club
// portal after the import, holds the ids of his row in Wibisoft's file.
func checkWibisoft(t *testing.T, srv *server) {
	t.Helper()
	club, err := srv.Open(t.Context(), "demo_club")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := typo3Rows(t.Context(), club)
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Split(wibisoftRows[1], ";")
	if franz := rowOf(t, rows, "foesterreicher"); franz.hh != ids[0] || franz.pe != ids[1] || franz.number == "" {
		t.Errorf("Franz Österreicher after the import: number %q HH %q PE %q, want a number and Wibisoft's %s/%s", franz.number, franz.hh, franz.pe, ids[0], ids[1])
	}
}

// checkForgotten checks the Excel list after Renate Köhler was forgotten:
// no row holds her name, and one row keeps a number without names.
func checkForgotten(t *testing.T, files string) {
	t.Helper()
	rows := listRows(t, files)
	first := slices.Index(strings.Split(listFields, ","), "first_name")
	nameless := 0
	for _, row := range rows[1:] {
		if slices.Contains(row, "Köhler") {
			t.Errorf("the Excel list still names Renate Köhler: %q", row)
		}
		if len(row) > first+1 && row[0] != "" && row[first] == "" && row[first+1] == "" {
			nameless++
		}
	}
	if nameless != 1 {
		t.Errorf("%d rows of the Excel list keep a number without names, want 1 (the forgotten member)", nameless)
	}
}
