package central

import (
	"strings"
	"testing"
)

// FuzzConflictFilter: whatever an admin gives `keysync conflicts` as kind,
// source or number, it reaches the database as a parameter: the
// statement's text is the same as for other values, and holds one
// placeholder per argument.
func FuzzConflictFilter(f *testing.F) {
	f.Add(true, "shared_email", "amicas", "000000013", uint64(42), 10)
	f.Add(false, "x' OR '1'='1", "a`b", "?", uint64(0), -1)
	f.Fuzz(func(t *testing.T, open bool, kind, source, number string, accountID uint64, limit int) {
		filter := ConflictFilter{Open: open, Kind: kind, Source: source, Number: number, AccountID: accountID, Limit: limit}
		query, args := filter.sql()
		if n := strings.Count(query, "?"); n != len(args) {
			t.Fatalf("%d placeholders for %d arguments:\n%s", n, len(args), query)
		}
		twin := filter
		for _, s := range []*string{&twin.Kind, &twin.Source, &twin.Number} {
			if *s != "" {
				*s = "v"
			}
		}
		if twin.AccountID != 0 {
			twin.AccountID = 1
		}
		if twinQuery, _ := twin.sql(); twinQuery != query {
			t.Fatalf("a value reached the statement's text:\n%s\nwant\n%s", query, twinQuery)
		}
	})
}
