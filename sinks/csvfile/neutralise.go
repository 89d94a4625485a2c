package csvfile

import "strings"

// Neutralise keeps a spreadsheet from evaluating a value as a formula
// (CSV injection, CWE-1236): a value starting with =, +, -, @, a tab or a
// carriage return gets a leading apostrophe, as OWASP advises. Excel then
// shows it, apostrophe included, as text.
func Neutralise(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// neutraliseKeepingNumbers is neutralise for a file a program other than a
// spreadsheet imports (Outlook stores every value as the text it is): a
// phone number such as "+43 664 1234567" stays as it is, since a formula
// made only of digits, spaces and + - ( ) / . can compute but never call
// anything; every other value that could start a formula is neutralised.
func neutraliseKeepingNumbers(v string) string {
	if isNumberLike(v) {
		return v
	}
	return Neutralise(v)
}

func isNumberLike(v string) bool {
	if v == "" {
		return false
	}
	for _, r := range v {
		if !strings.ContainsRune("0123456789 +-()/.", r) {
			return false
		}
	}
	return true
}
