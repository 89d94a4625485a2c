package sqlutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/go-sql-driver/mysql"
)

func TestMarkData(t *testing.T) {
	mark := errors.New("row refused")
	for _, tc := range []struct {
		err  error
		data bool
	}{
		{&mysql.MySQLError{Number: 1406, Message: "Data too long for column 'groups_list' at row 1"}, true},
		{fmt.Errorf("insert accounts: %w", &mysql.MySQLError{Number: 1062}), true},
		{&mysql.MySQLError{Number: 1366}, true},
		{&mysql.MySQLError{Number: 1292}, true},
		{&mysql.MySQLError{Number: 1213}, false}, // deadlock: retry the whole
		{&mysql.MySQLError{Number: 1146}, false}, // no such table: the schema
		{&mysql.MySQLError{Number: 1142}, false}, // no privilege
		{mysql.ErrInvalidConn, false},
		{io.ErrUnexpectedEOF, false},
		{context.Canceled, false},
	} {
		got := MarkData(tc.err, mark)
		if errors.Is(got, mark) != tc.data || !errors.Is(got, tc.err) {
			t.Errorf("MarkData(%v) = %v, data %v", tc.err, got, tc.data)
		}
	}
	if MarkData(nil, mark) != nil {
		t.Error("MarkData(nil) is not nil")
	}
}
