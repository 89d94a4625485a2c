package testdb

import (
	"database/sql"
	"embed"
	"testing"
)

// Schemas of fe_users for CreateFeUsers.
const (
	// Typo3V12 is fe_users as TYPO3 v12.4 creates it.
	Typo3V12 = "typo3-v12"
	// Typo3V13 is fe_users as TYPO3 v13.4 creates it.
	Typo3V13 = "typo3-v13"
	// Typo3Upgraded is a v12 table of a site upgraded from older versions:
	// utf8mb3 / utf8mb3_general_ci, with cruser_id and lockToDomain left over.
	Typo3Upgraded = "typo3-upgraded"
	// Typo3Femanager is the v13 table with the columns femanager adds:
	// gender (0 male, 1 female, 2 diverse) and date_of_birth (a unix time
	// at midnight in the TYPO3 server's time zone, 0 when not set) among
	// them.
	Typo3Femanager = "typo3-femanager"
)

//go:embed schema/*.sql
var schemaFS embed.FS

// CreateFeUsers creates fe_users and a small fe_groups with the DDL of the
// given TYPO3 schema (Typo3V12, Typo3V13 or Typo3Upgraded).
func CreateFeUsers(tb testing.TB, db *sql.DB, schema string) {
	tb.Helper()
	if err := CreateFeUsersDB(tb.Context(), db, schema); err != nil {
		tb.Fatal(err)
	}
}

// FeUser is one fe_users row as the fixtures write it; columns it does not
// name keep their defaults.
type FeUser struct {
	UID uint64 // 0 = auto
	Pid uint64

	Username, Password, Email, FirstName, LastName, Name, Title, Address, Zip, City, Country, Usergroup string

	Telephone, Company string

	Deleted, Disable int

	Starttime, Endtime, Crdate, Tstamp int64

	// DateOfBirth and Gender are femanager's columns, written only where
	// the table has them (Typo3Femanager).
	DateOfBirth int64
	Gender      int
}

// feUserColumns are the columns InsertFeUsers writes, in FeUser.values
// order; femanagerColumns follow on tables that have them.
const (
	feUserColumns    = "uid, pid, username, password, email, first_name, last_name, name, title, address, zip, city, country, usergroup, telephone, company, deleted, disable, starttime, endtime, crdate, tstamp"
	femanagerColumns = ", date_of_birth, gender"
)

const feUserColumnCount = 22

// values appends the row's values in feUserColumns order, and femanager's
// when asked. A zero UID is written as NULL, which lets AUTO_INCREMENT
// choose it.
func (u *FeUser) values(args []any, femanager bool) []any {
	var uid any
	if u.UID != 0 {
		uid = u.UID
	}
	args = append(args, uid, u.Pid, u.Username, u.Password, u.Email, u.FirstName, u.LastName, u.Name,
		u.Title, u.Address, u.Zip, u.City, u.Country, u.Usergroup, u.Telephone, u.Company, u.Deleted, u.Disable,
		u.Starttime, u.Endtime, u.Crdate, u.Tstamp)
	if femanager {
		args = append(args, u.DateOfBirth, u.Gender)
	}
	return args
}

// insertChunk is the most rows one INSERT carries.
const insertChunk = 1000

// InsertFeUsers inserts the users into fe_users and returns their uids in
// order; see InsertFeUsersDB.
func InsertFeUsers(tb testing.TB, db *sql.DB, users []FeUser) []uint64 {
	tb.Helper()
	uids, err := InsertFeUsersDB(tb.Context(), db, users)
	if err != nil {
		tb.Fatal(err)
	}
	return uids
}
