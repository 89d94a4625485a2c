package central_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sync/central"
	"keysync/sync/reconcile"
)

// mustLinks reads all links of the source in pages of two, so that the
// paging is exercised too.
func (f *fixture) mustLinks(tb testing.TB) map[uint64]reconcile.Link {
	tb.Helper()
	out := map[uint64]reconcile.Link{}
	var after uint64
	for {
		page, err := f.Store.Links(tb.Context(), source, after, 2)
		if err != nil {
			tb.Fatalf("Links: %v", err)
		}
		for _, l := range page {
			if l.AccountID <= after {
				tb.Fatalf("Links after %d returned %d: not in ascending order", after, l.AccountID)
			}
			out[l.AccountID], after = l, l.AccountID
		}
		if len(page) < 2 {
			return out
		}
	}
}

// copiedFrom is the number an account's copy of its person's ids was taken
// for, "" when it has none.
func (f *fixture) copiedFrom(tb testing.TB, id uint64) string {
	tb.Helper()
	var n string
	if err := f.DB.QueryRowContext(tb.Context(), "SELECT COALESCE(copied_from, '') FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&n); err != nil {
		tb.Fatalf("read copy of %d: %v", id, err)
	}
	return n
}

func (f *fixture) wantLinksOfPersons(tb testing.TB, links map[uint64]reconcile.Link, ids ...uint64) {
	tb.Helper()
	for _, id := range ids {
		l, ok := links[id]
		if !ok {
			tb.Fatalf("no link of account %d in %v", id, links)
		}
		num := f.Linked(tb, source, id)
		p := f.mustPerson(tb, num)
		if l.Number != num || l.HH != p.HH || l.PE != p.PE {
			tb.Errorf("link of %d=%s/%s/%s, want the person's %s/%s/%s", id, l.Number, l.HH, l.PE, num, p.HH, p.PE)
		}
	}
}

// Accounts linked without a copy of their person's ids (by a keysync
// before schema version 4) are joined to their person once and keep the
// copy; the next walk reads it.
func TestStore_LinksCopiesPersonIDs(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	f.mustAssign(t, cands(account(1), account(2), account(3), account(5), account(8))...)
	f.EditAccounts(t, "UPDATE accounts SET hh_id_copy = NULL, pe_id_copy = NULL, copied_from = NULL")
	for _, id := range []uint64{1, 2, 3, 5, 8} {
		if got := f.copiedFrom(t, id); got != "" {
			t.Fatalf("account %d has a copy for %q before any walk; the test wants none", id, got)
		}
	}

	links := f.mustLinks(t)
	if len(links) != 5 {
		t.Fatalf("Links returned %d links, want 5", len(links))
	}
	f.wantLinksOfPersons(t, links, 1, 2, 3, 5, 8)
	for _, id := range []uint64{1, 2, 3, 5, 8} {
		if got, want := f.copiedFrom(t, id), f.Linked(t, source, id); got != want {
			t.Errorf("account %d: copy for %q after the walk, want %q", id, got, want)
		}
	}
	// From the copies now: the same answer.
	if again := f.mustLinks(t); !maps.Equal(again, links) {
		t.Errorf("second Links=%v, want %v", again, links)
	}
}

// An account moved to another person (what a merge does) keeps the copy
// of its old person's ids; Links must not trust it.
func TestStore_LinksAfterMoveToAnotherPerson(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cands(account(1), account(2))...)
	f.mustLinks(t) // both get their copy
	survivor := out[1].Number
	f.EditAccounts(t, "UPDATE accounts SET number = ?, pending_write = 1 WHERE source = ? AND account_id = 1", survivor, source)

	links := f.mustLinks(t)
	f.wantLinksOfPersons(t, links, 1, 2)
	if got := links[1].Number; got != survivor {
		t.Errorf("moved account links %s, want %s", got, survivor)
	}
	if got := f.copiedFrom(t, 1); got != survivor {
		t.Errorf("moved account's copy is for %q, want %q", got, survivor)
	}
}

// Assign gives every account it links a copy of its person's ids, and
// marking accounts written renews a copy that is missing, so that the
// accounts of a rollout are walked without a join from the first
// reconciliation on.
func TestStore_AssignAndWrittenCopyPersonIDs(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cands(account(1), account(2))...)
	wantCopy := func(id uint64, number string) {
		t.Helper()
		if got := f.copiedFrom(t, id); got != number {
			t.Fatalf("account %d: copy for %q, want %q", id, got, number)
		}
		var hh, pe string
		if err := f.DB.QueryRowContext(t.Context(), "SELECT COALESCE(hh_id_copy, ''), COALESCE(pe_id_copy, '') FROM accounts WHERE source = ? AND account_id = ?", source, id).Scan(&hh, &pe); err != nil {
			t.Fatal(err)
		}
		if p := f.mustPerson(t, number); hh != p.HH || pe != p.PE {
			t.Errorf("account %d: copy=%s/%s, want the person's %s/%s", id, hh, pe, p.HH, p.PE)
		}
	}
	wantCopy(1, out[0].Number)
	wantCopy(2, out[1].Number)

	f.EditAccounts(t, "UPDATE accounts SET hh_id_copy = NULL, pe_id_copy = NULL, copied_from = NULL WHERE account_id = 1")
	if err := f.Store.Written(t.Context(), source, out[:1]); err != nil {
		t.Fatalf("Written: %v", err)
	}
	wantCopy(1, out[0].Number)
}

// A central database of schema version 3 with accounts in it is upgraded
// by Migrate once; the walk then reads the person's ids as before.
func TestStore_MigrateV4OnExistingAccounts(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	f.mustAssign(t, cands(account(1), account(2), account(3))...)
	// Back to version 3, as a site migrated by an older keysync.
	testdb.MustExec(t, f.DB, "DROP TABLE account_sums")
	testdb.MustExec(t, f.DB, "ALTER TABLE accounts DROP COLUMN hh_id_copy, DROP COLUMN pe_id_copy, DROP COLUMN copied_from")
	testdb.MustExec(t, f.DB, "DELETE FROM keysync_schema WHERE version >= 4")
	if err := f.Store.CheckSchema(t.Context()); err == nil {
		t.Fatal("CheckSchema on version 3 passed, want ErrSchemaOutdated")
	}

	applied, err := f.Store.Migrate(t.Context())
	if err != nil || !slices.Equal(applied, versionsFrom(4)) {
		t.Fatalf("Migrate=%v, %v, want %v applied", applied, err, versionsFrom(4))
	}
	f.wantLinksOfPersons(t, f.mustLinks(t), 1, 2, 3)
	f.wantSums(t)
	if again, err := f.Store.Migrate(t.Context()); err != nil || len(again) != 0 {
		t.Fatalf("second Migrate=%v, %v, want nothing applied", again, err)
	}
	// Interrupted after the statements, before recording the versions:
	// the steps run again without harm.
	testdb.MustExec(t, f.DB, "DELETE FROM keysync_schema WHERE version >= 4")
	if applied, err := f.Store.Migrate(t.Context()); err != nil || !slices.Equal(applied, versionsFrom(4)) {
		t.Fatalf("Migrate after an interrupted step=%v, %v, want %v", applied, err, versionsFrom(4))
	}
	f.wantLinksOfPersons(t, f.mustLinks(t), 1, 2, 3)
	f.wantSums(t)
}

// TestStore_MigrateV5FillsSums: schema version 5 computes the stored
// checksums of the accounts already there, of every status.
func TestStore_MigrateV5FillsSums(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	f.mustAssign(t, cands(account(1), account(2), account(3), account(300))...)
	f.EditAccounts(t, "UPDATE accounts SET status = 'gone' WHERE account_id = 2")
	testdb.MustExec(t, f.DB, "DROP TABLE account_sums")
	testdb.MustExec(t, f.DB, "DELETE FROM keysync_schema WHERE version >= 5")
	if applied, err := f.Store.Migrate(t.Context()); err != nil || !slices.Equal(applied, versionsFrom(5)) {
		t.Fatalf("Migrate=%v, %v, want %v applied", applied, err, versionsFrom(5))
	}
	f.wantSums(t)
	if got := f.MustCount(t, "account_sums", "accounts > 0"); got != 2 {
		t.Errorf("stored sums of %d ranges, want 2 (ids 1-3 and 300)", got)
	}
}

// wantSums fails the test unless the stored checksums agree with the
// accounts.
func (f *fixture) wantSums(tb testing.TB) {
	tb.Helper()
	centraltest.CheckSums(tb, tb.Context(), f.Store)
}

// The accounts' copies of their persons' Wibisoft ids (schema version 4)
// stay right only while a person's hh_id and pe_id never change. Code that
// changes them must set accounts.copied_from = NULL for the person's
// accounts in the same transaction, and then be listed here.
func TestIDCopies_PersonIDsNeverUpdated(t *testing.T) {
	allowed := map[string]bool{}
	changes := regexp.MustCompile(`(?is)(UPDATE\s+persons\b.*\bSET\b.*\b(hh_id|pe_id)\s*=|REPLACE\s+INTO\s+persons\b|INTO\s+persons\b.*ON\s+DUPLICATE\s+KEY\s+UPDATE.*\b(hh_id|pe_id)\b)`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || allowed[name] {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err == nil && changes.MatchString(s) {
				t.Errorf("%s changes a person's hh_id or pe_id (%q): clear accounts.copied_from of the person's accounts in the same transaction and list the file in this test", name, s)
			}
			return true
		})
	}
}

// versionsFrom lists the schema versions from v up to the latest, as a
// migration from v-1 applies them.
func versionsFrom(v int) []int {
	var out []int
	for ; v <= central.SchemaVersion(); v++ {
		out = append(out, v)
	}
	return out
}
