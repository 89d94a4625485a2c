package typo3

import (
	"errors"
	"slices"
	"strings"
)

// ErrProtected is returned by New for a target column that ProtectedColumn
// refuses; the configuration refuses it first, naming the variable.
var ErrProtected = errors.New("keysync does not write into a portal's own columns")

// coreTableColumns are the columns TYPO3 itself keeps in fe_users, from
// version 10.4 to 13.4 (cruser_id, lockToDomain and TSconfig only in older
// ones). keysync never writes into one of them: a customer number in
// password, usergroup or username would lock members out or change their
// rights, and a repair would overwrite the value everywhere.
var coreTableColumns = []string{
	"uid", "pid", "tstamp", "crdate", "cruser_id", "deleted", "disable", "hidden", "starttime", "endtime",
	"description", "tx_extbase_type", "username", "password", "usergroup", "name", "first_name", "middle_name",
	"last_name", "address", "telephone", "fax", "email", "uc", "title", "zip", "city", "country", "www",
	"company", "image", "tsconfig", "locktodomain", "lastlogin", "is_online", "mfa", "felogin_redirectpid",
	"felogin_forgothash", "fe_cruser_id", "sorting", "sys_language_uid", "l10n_parent", "l10n_diffsource",
	"t3ver_oid", "t3ver_wsid", "t3ver_state", "t3ver_stage",
}

// ProtectedColumn reports whether column belongs to TYPO3 itself and must
// never be a target of keysync's writes. Column names ignore case.
func ProtectedColumn(column string) bool {
	return slices.Contains(coreTableColumns, strings.ToLower(column))
}
