package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"syscall"
)

// fileSuffix marks the variable that names a file holding a secret, so that
// a DSN need not sit in the environment where every child process sees it.
const fileSuffix = "_FILE"

// maxSecretFile is the largest DSN file keysync reads. A DSN is one line;
// anything longer is the wrong file, and reading it whole would only cost
// memory.
const maxSecretFile = 64 << 10

// loadDSN returns the DSN for the variable name, taken from value or read
// from the file named by name_FILE, and checks that it names a database.
// An empty value counts as unset, as systemd writes NAME= for "no value".
// warning is non-empty when the file is readable by more than keysync's
// own account and group.
func loadDSN(name, value, file string) (dsn, warning string, err error) {
	fileVar := name + fileSuffix
	switch {
	case value != "" && file != "":
		return "", "", &Error{Var: name, Value: RedactDSN(value),
			Reason: "set together with " + fileVar + "; set only one of them"}
	case file != "":
		dsn, warning, err := readSecret(fileVar, file)
		if err != nil {
			return "", "", err
		}
		if reason := checkDSN(dsn); reason != "" {
			return "", "", &Error{Var: fileVar, Value: file, Reason: fileReason(dsn, reason)}
		}
		return dsn, warning, nil
	case value != "":
		if reason := checkDSN(value); reason != "" {
			return "", "", &Error{Var: name, Value: RedactDSN(value), Reason: reason}
		}
		return value, "", nil
	}
	return "", "", &Error{Var: name, Reason: "required (or set " + fileVar + " to a file holding it)"}
}

// fileReason says what is wrong with the DSN in a file: the redacted DSN
// when the driver could parse it, else nothing of the content.
func fileReason(dsn, reason string) string {
	if shown := RedactDSN(dsn); shown != notShown {
		return fmt.Sprintf("the file holds %s: %s", shown, reason)
	}
	return "the file's content is " + reason
}

// readSecret reads a secret from the file named by the variable fileVar and
// trims the surrounding white space an editor leaves: a regular file of at
// most maxSecretFile bytes (readStartFile). Errors name the variable and
// the path, never the content; warning is non-empty when others than
// keysync's account and group can read it.
func readSecret(fileVar, path string) (secret, warning string, err error) {
	b, st, err := readStartFile(fileVar, path, maxSecretFile, "a DSN or a token")
	if err != nil {
		return "", "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", "", &Error{Var: fileVar, Value: path, Reason: "the file is empty"}
	}
	return s, exposure(fileVar, path, st), nil
}

// readStartFile reads a file that the variable fileVar names, as keysync
// does at start for DSNs, the token, certificates and keys. Only a regular
// file of at most limit bytes is read: the file is opened without blocking
// and checked on the open descriptor, so a FIFO or a device named by
// mistake is refused at once instead of hanging `keysync config` where no
// signal ends it. what names what such a file holds, for the message about
// its size. Errors name the variable and the path, never the content.
func readStartFile(fileVar, path string, limit int64, what string) ([]byte, fs.FileInfo, error) {
	fail := func(reason string) ([]byte, fs.FileInfo, error) {
		return nil, nil, &Error{Var: fileVar, Value: path, Reason: reason}
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return fail("cannot read the file: " + pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fail("cannot read the file: " + pathErr(err))
	}
	tooLarge := fmt.Sprintf("more than %s ever needs (%d bytes at most); is it the right file?", what, limit)
	switch {
	case st.IsDir():
		return fail("cannot read the file: it is a directory")
	case !st.Mode().IsRegular():
		return fail(fmt.Sprintf("cannot read the file: it is not a regular file (%s)", fileType(st.Mode())))
	case st.Size() > limit:
		return fail(fmt.Sprintf("the file holds %d bytes, %s", st.Size(), tooLarge))
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		return fail("cannot read the file: " + pathErr(err))
	case int64(len(b)) > limit:
		return fail("the file holds " + tooLarge)
	}
	return b, st, nil
}

// pathErr is err without the path, which the *Error names already.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

// fileType names the kind of a file that is not a regular one.
func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// exposure warns about a secret file that others than its owner and
// keysync's group can read: world-readable, or readable by a group this
// process is not in. root:keysync with mode 0640 is the documented setup
// and draws no warning.
func exposure(fileVar, path string, st fs.FileInfo) string {
	perm := st.Mode().Perm()
	switch {
	case perm&0o004 != 0:
		return fmt.Sprintf("%s=%s is readable by every user (mode %04o); it holds a password: chmod o-rwx %s", fileVar, path, perm, path)
	case perm&0o040 != 0 && !inGroup(st):
		return fmt.Sprintf("%s=%s is readable by its group, which is not keysync's (mode %04o); it holds a password: chmod g-rwx %s, or chgrp it to keysync's group", fileVar, path, perm, path)
	}
	return ""
}

// inGroup reports whether this process belongs to the file's group.
func inGroup(st fs.FileInfo) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true // nothing to tell; no warning
	}
	gid := int(sys.Gid)
	if gid == os.Getegid() {
		return true
	}
	groups, err := os.Getgroups()
	return err != nil || slices.Contains(groups, gid)
}
