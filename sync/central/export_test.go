package central

import (
	"context"
	"database/sql"

	"keysync/internal/sqlutil"
	keysync "keysync/sync"
)

// SimilarQuery exposes the fuzzy-candidate query for plan tests.
func SimilarQuery(keys [4][]string) (string, []any) {
	var anyKeys [len(blockColumns)][]any
	for i, ks := range keys {
		anyKeys[i] = sqlutil.Args(ks)
	}
	return similarQuery(anyKeys)
}

// DataHash is the hash of an account's values the store keeps.
func DataHash(a keysync.Account) uint64 { return dataHash(accountValues(a), a.Status()) }

// FeedChanges records changes of the persons in the transaction, as every
// write transaction does last before its commit.
func FeedChanges(ctx context.Context, tx *sql.Tx, numbers ...string) error {
	return feedChanges(ctx, tx, numbers)
}
