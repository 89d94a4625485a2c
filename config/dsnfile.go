package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// fileSuffix marks the variable that names a file holding a secret, so that
// a DSN need not sit in the environment where every child process sees it.
const fileSuffix = "_FILE"

// loadDSN returns the DSN for the variable name, taken from value or read
// from the file named by name_FILE, and checks that it names a database.
// An empty value counts as unset, as systemd writes NAME= for "no value".
func loadDSN(name, value, file string) (string, error) {
	fileVar := name + fileSuffix
	switch {
	case value != "" && file != "":
		return "", &Error{Var: name, Value: RedactDSN(value),
			Reason: "set together with " + fileVar + "; set only one of them"}
	case file != "":
		dsn, err := readSecret(fileVar, file)
		if err != nil {
			return "", err
		}
		if reason := checkDSN(dsn); reason != "" {
			return "", &Error{Var: fileVar, Value: file,
				Reason: fmt.Sprintf("file content %q: %s", RedactDSN(dsn), reason)}
		}
		return dsn, nil
	case value != "":
		if reason := checkDSN(value); reason != "" {
			return "", &Error{Var: name, Value: RedactDSN(value), Reason: reason}
		}
		return value, nil
	}
	return "", &Error{Var: name, Reason: "required (or set " + fileVar + " to a file holding it)"}
}

// readSecret reads a secret from the file named by the variable fileVar and
// trims the surrounding white space an editor leaves. Errors name the
// variable and the path, never the content.
func readSecret(fileVar, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in Value
		}
		return "", &Error{Var: fileVar, Value: path, Reason: "cannot read the file: " + err.Error()}
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", &Error{Var: fileVar, Value: path, Reason: "the file is empty"}
	}
	return s, nil
}
