package config

import "fmt"

// Error is one configuration mistake. It names the variable and its value so
// that an operator can find the line to fix. A DSN is redacted before it is
// stored in Value, so no password leaks however the error is printed or
// inspected.
type Error struct {
	Var, Value, Reason string
}

// Error formats the mistake as VAR="value": reason, the shape of the line in
// an EnvironmentFile that needs fixing.
func (e *Error) Error() string {
	return fmt.Sprintf("%s=%q: %s", e.Var, e.Value, e.Reason)
}
