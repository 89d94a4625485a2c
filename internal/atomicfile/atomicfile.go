// Package atomicfile replaces files so that a reader, Excel on a share or
// an import wizard, sees the old file or the new one and never a part: the
// new content goes to a temporary file in the same folder, is synced,
// renamed over the old name, and the folder is synced so the rename
// survives a crash.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// NewFileMode is the mode of a file created where none was: persons' data
// is for keysync's account and its group. A file that is replaced keeps
// its mode, so an admin's chmod stays.
const NewFileMode fs.FileMode = 0o640

// ErrNotReplaceable marks a target that is something other than a regular
// file, such as a folder in its place.
var ErrNotReplaceable = errors.New("not a regular file")

// Write replaces path with what write produces. On any error the temporary
// file is removed and the old file is left whole.
func Write(path string, write func(w io.Writer) error) error {
	return replace([]string{path}, func(ws []io.Writer) error { return write(ws[0]) }, true)
}

// WriteUnsynced replaces path like Write but leaves syncing the folder to
// the caller, who replaces many files in one folder and calls SyncDir once.
func WriteUnsynced(path string, write func(w io.Writer) error) error {
	return replace([]string{path}, func(ws []io.Writer) error { return write(ws[0]) }, false)
}

// WriteSet replaces several files written together (a full list and the
// list of its changes): every file is written and synced before the first
// is renamed, so an error while writing leaves all of them old.
func WriteSet(paths []string, write func(ws []io.Writer) error) error {
	return replace(paths, write, true)
}

func replace(paths []string, write func(ws []io.Writer) error, syncDir bool) error {
	tmps, err := create(paths)
	defer func() {
		for _, t := range tmps {
			_ = os.Remove(t.f.Name()) // fails once renamed
		}
	}()
	if err != nil {
		return err
	}
	if err := fill(tmps, write); err != nil {
		return err
	}
	for _, t := range tmps {
		if err := os.Rename(t.f.Name(), t.path); err != nil {
			return fmt.Errorf("replace %s (is it open in another program?): %w", t.path, err)
		}
	}
	if !syncDir {
		return nil
	}
	for _, t := range tmps {
		if err := SyncDir(filepath.Dir(t.path)); err != nil {
			return err
		}
	}
	return nil
}

// temp is a temporary file that becomes path.
type temp struct {
	path string
	mode fs.FileMode
	f    *os.File
}

// create makes a temporary file beside each target, after checking that
// every target can be replaced.
func create(paths []string) ([]temp, error) {
	tmps := make([]temp, 0, len(paths))
	for _, p := range paths {
		path, mode, err := target(p)
		if err != nil {
			return tmps, err
		}
		f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
		if err != nil {
			return tmps, fmt.Errorf("create a temporary file beside %s: %w", path, err)
		}
		tmps = append(tmps, temp{path: path, mode: mode, f: f})
	}
	return tmps, nil
}

// fill writes the temporary files, syncs and closes them.
func fill(tmps []temp, write func(ws []io.Writer) error) error {
	ws := make([]io.Writer, len(tmps))
	for i, t := range tmps {
		ws[i] = t.f
	}
	err := write(ws)
	for _, t := range tmps {
		if err == nil {
			err = t.f.Chmod(t.mode)
		}
		if err == nil {
			err = t.f.Sync()
		}
		if cerr := t.f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", tmps[0].path, err)
	}
	return nil
}

// target resolves a symbolic link to the file it names and returns the
// mode the new file gets; a folder or device in the file's place is
// refused before anything is written.
func target(path string) (string, fs.FileMode, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, NewFileMode, nil
	case err != nil:
		return path, 0, fmt.Errorf("replace %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return path, 0, fmt.Errorf("replace %s: %w but a %s", path, ErrNotReplaceable, kind(fi.Mode()))
	}
	return path, fi.Mode().Perm(), nil
}

func kind(m fs.FileMode) string {
	if m.IsDir() {
		return "folder"
	}
	return m.Type().String()
}

// Remove deletes path if it exists; the caller syncs the folder.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// SyncDir makes the renames and removals in a folder durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
