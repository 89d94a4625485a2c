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
	if err := WriteUnsynced(path, write); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// WriteUnsynced replaces path like Write but leaves syncing the folder to
// the caller, who replaces many files in one folder and calls SyncDir once.
func WriteUnsynced(path string, write func(w io.Writer) error) error {
	path, mode, err := target(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create a temporary file beside %s: %w", path, err)
	}
	if err := fill(tmp, mode, write); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("replace %s (is it open in another program?): %w", path, err)
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

// fill writes the temporary file, syncs and closes it.
func fill(f *os.File, mode fs.FileMode, write func(w io.Writer) error) error {
	err := write(f)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
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
