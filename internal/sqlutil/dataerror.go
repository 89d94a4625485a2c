package sqlutil

import (
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// dataErrors are the MySQL/MariaDB errors that one row's values cause in
// strict mode, as opposed to the server, the connection or the schema:
// the same statement without that row would have succeeded.
var dataErrors = map[uint16]string{
	1048: "column cannot be null",
	1062: "duplicate entry",
	1264: "out of range value",
	1265: "data truncated",
	1292: "incorrect value",
	1366: "incorrect string or number value",
	1367: "illegal value",
	1406: "data too long",
	1411: "incorrect value for function",
	1586: "duplicate entry for key",
	1690: "value out of range",
	3140: "invalid JSON text",
	4025: "constraint failed",
}

// IsDataError reports whether err is one of dataErrors: a row's data the
// server refused. Connection errors, deadlocks, missing tables or
// privileges are not.
func IsDataError(err error) bool {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return false
	}
	_, ok := dataErrors[me.Number]
	return ok
}

// MarkData wraps err with mark when it is a data error (IsDataError), so
// that callers that know nothing of MySQL can branch on errors.Is(err,
// mark); any other error is returned as it is.
func MarkData(err, mark error) error {
	if err == nil || !IsDataError(err) || errors.Is(err, mark) {
		return err
	}
	return fmt.Errorf("%w: %w", mark, err)
}
