package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testPassword is distinctive enough that finding it in any output means a
// leak, not a coincidence.
const testPassword = "Pa55-Geheim-7731"

// validEnv returns the smallest environment Load accepts, with a password
// in every DSN.
func validEnv() map[string]string {
	return map[string]string{
		"KEYSYNC_CENTRAL_DSN":      "keysync:" + testPassword + "@tcp(db.example:3306)/keysync",
		"KEYSYNC_SOURCES":          "shop",
		"KEYSYNC_SOURCE_SHOP_KIND": "typo3",
		"KEYSYNC_SOURCE_SHOP_DSN":  "typo3:" + testPassword + "@tcp(db.example:3306)/typo3",
	}
}

// with returns a copy of validEnv changed by set; a variable set to unset
// is removed instead.
func with(set map[string]string) map[string]string {
	env := validEnv()
	maps.Copy(env, set)
	for k, v := range env {
		if v == unset {
			delete(env, k)
		}
	}
	return env
}

// unset marks a variable that with removes from the environment.
const unset = "\x00"

// MustEnv replaces every KEYSYNC_ variable of the process environment by
// env for the rest of the test, so that a developer's shell cannot change
// the outcome.
func MustEnv(tb testing.TB, env map[string]string) {
	tb.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(strings.ToUpper(k), "KEYSYNC_") {
			tb.Setenv(k, "") // restores the old value after the test
			if err := os.Unsetenv(k); err != nil {
				tb.Fatalf("unset %s: %v", k, err)
			}
		}
	}
	for k, v := range env {
		tb.Setenv(k, v)
	}
}

// MustLoad sets env and loads it, failing the test on any error.
func MustLoad(tb testing.TB, env map[string]string) *Config {
	tb.Helper()
	MustEnv(tb, env)
	c, err := Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

// MustWriteFile writes content to a new file in a temporary directory and
// returns its path.
func MustWriteFile(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// configErrors returns the *Error values joined in err, failing the test
// if err holds anything else.
func configErrors(tb testing.TB, err error) []*Error {
	tb.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else if err != nil {
		errs = []error{err}
	}
	var out []*Error
	for _, e := range errs {
		var ce *Error
		if !errors.As(e, &ce) {
			tb.Fatalf("error %q is not a *config.Error", e)
		}
		out = append(out, ce)
	}
	return out
}

// MustFail loads env, expects an error and checks that no password leaked
// into it; it returns the joined *Errors.
func MustFail(tb testing.TB, env map[string]string) []*Error {
	tb.Helper()
	MustEnv(tb, env)
	c, err := Load()
	if err == nil {
		tb.Fatalf("Load succeeded, want an error; config %+v", c)
	}
	if c != nil {
		tb.Errorf("Load returned a config with an error")
	}
	if strings.Contains(err.Error(), testPassword) {
		tb.Fatalf("error leaks the password: %v", err)
	}
	errs := configErrors(tb, err)
	for _, e := range errs {
		if strings.Contains(e.Value, testPassword) || strings.Contains(e.Reason, testPassword) {
			tb.Fatalf("Error field leaks the password: %#v", e)
		}
	}
	return errs
}

// findError returns the error about the variable name, or nil.
func findError(errs []*Error, name string) *Error {
	for _, e := range errs {
		if e.Var == name {
			return e
		}
	}
	return nil
}
