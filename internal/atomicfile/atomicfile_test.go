package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"keysync/internal/atomicfile"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func mustRead(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// wantOnly fails unless the folder holds exactly the names: no temporary
// file is ever left behind.
func wantOnly(tb testing.TB, dir string, names ...string) {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		tb.Errorf("folder holds %v, want %v", got, names)
	}
}

// TestWrite_NewFileThenReplaceKeepsTheMode: a new file is made 0640; a
// replaced one keeps the mode an admin gave it.
func TestWrite_NewFileThenReplaceKeepsTheMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "liste.csv")
	if err := atomicfile.Write(path, writeString("one")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != atomicfile.NewFileMode {
		t.Errorf("new file mode %v, want %v", fi.Mode().Perm(), atomicfile.NewFileMode)
	}
	if err := os.Chmod(path, 0o604); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(path, writeString("two")); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, path); got != "two" {
		t.Errorf("content %q, want two", got)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o604 {
		t.Errorf("replaced file mode %v, want the admin's 0604", fi.Mode().Perm())
	}
	wantOnly(t, dir, "liste.csv")
}

// TestWrite_FailureLeavesTheOldFileWhole: a writer that fails half way
// leaves the old content and no temporary file.
func TestWrite_FailureLeavesTheOldFileWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "liste.xlsx")
	if err := atomicfile.Write(path, writeString("old and whole")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("database gone")
	err := atomicfile.Write(path, func(w io.Writer) error {
		_, _ = io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
		t.Errorf("err=%v, want the writer's error naming %s", err, path)
	}
	if got := mustRead(t, path); got != "old and whole" {
		t.Errorf("content %q after a failed write, want the old", got)
	}
	wantOnly(t, dir, "liste.xlsx")
}

// TestWrite_AFolderInThePlaceIsRefused: a target that cannot be replaced
// (here a folder where the file belongs, as a held-open file on a share)
// fails with a message naming it, and nothing is written.
func TestWrite_AFolderInThePlaceIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "liste.xlsx")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	called := false
	err := atomicfile.Write(path, func(io.Writer) error { called = true; return nil })
	if !errors.Is(err, atomicfile.ErrNotReplaceable) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "folder") {
		t.Errorf("err=%v, want ErrNotReplaceable naming %s as a folder", err, path)
	}
	if called {
		t.Error("the content was written although the target cannot be replaced")
	}
	wantOnly(t, dir, "liste.xlsx")
}

// TestWrite_RenameFailureRemovesTheTemporaryFile: when the rename itself
// fails (the folder appears after the check, as a file locked by another
// program would fail it), the temporary file goes and the error says what
// to look for.
func TestWrite_RenameFailureRemovesTheTemporaryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "liste.csv")
	err := atomicfile.Write(path, func(w io.Writer) error {
		if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
			return err
		}
		_, err := io.WriteString(w, "new")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "open in another program") {
		t.Errorf("err=%v, want a failed replace", err)
	}
	wantOnly(t, dir, "liste.csv")
}

// TestWrite_FollowsASymbolicLink: a link to the list (a share mounted
// elsewhere) stays a link; the file it names is replaced.
func TestWrite_FollowsASymbolicLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file (%v)", err)
	}
	if got := mustRead(t, real); got != "new" {
		t.Errorf("linked file holds %q, want new", got)
	}
}

// TestWrite_MissingFolder names the folder that is missing.
func TestWrite_MissingFolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nowhere", "liste.csv")
	err := atomicfile.Write(path, writeString("x"))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("err=%v, want one naming %s", err, path)
	}
}
