package config

import (
	"os"
	"strings"

	"keysync/sync/number"
)

// NumberTemplate returns the customer-number template for commands that
// need no database, such as `keysync check`. format and algorithm override
// KEYSYNC_NUMBER_FORMAT and KEYSYNC_CHECK_DIGIT, which override the
// built-in defaults; an error names the variable (or flag value) at fault.
func NumberTemplate(format, algorithm string) (*number.Template, error) {
	defaults := defaultsOf(globalVariables())
	pick := func(override, name string) (string, string) {
		if override != "" {
			return override, name
		}
		if v, ok := os.LookupEnv(name); ok && v != "" {
			return v, name
		}
		return defaults[name], name
	}
	algName, algVar := pick(algorithm, varCheckDigit)
	alg, err := number.Lookup(algName)
	if err != nil {
		return nil, &Error{Var: algVar, Value: algName, Reason: "unknown check digit algorithm; one of " + strings.Join(number.Names(), ", ")}
	}
	text, textVar := pick(format, varNumberFormat)
	t, err := number.ParseTemplate(text, alg)
	if err != nil {
		return nil, &Error{Var: textVar, Value: text, Reason: err.Error()}
	}
	return t, nil
}
