package sqlutil

import (
	"crypto/sha256"
	"encoding/hex"
)

// LockName is the name of keysync's named lock of a kind ("source",
// "reconcile") on name in the central database database. Named locks are
// global to the server, so the name holds the database's as well: two
// installations sharing a server (a staging and a production central
// database, say) do not block each other. MySQL names are at most 64
// characters; a longer name is shortened with a hash of the whole.
func LockName(kind, database, name string) string {
	n := "keysync." + kind + "." + database + "." + name
	if len(n) <= 64 {
		return n
	}
	sum := sha256.Sum256([]byte(n))
	return n[:64-17] + "." + hex.EncodeToString(sum[:8])
}
