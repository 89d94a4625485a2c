package central_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// sharedMailbox assigns two persons sharing an e-mail address and returns
// their numbers (first, second) and the id of the shared_email conflict.
func sharedMailbox(tb testing.TB, f *fixture) (first, second string, conflict uint64) {
	tb.Helper()
	out := f.mustAssign(tb, cands(
		account(1, func(a *keysync.Account) { a.Email = "familie@example.at"; a.FirstName = "Anna"; a.LastName = "Gruber" }),
		account(2, func(a *keysync.Account) { a.Email = "familie@example.at"; a.FirstName = "Franz"; a.LastName = "Gruber" }),
	)...)
	if got := conflictKinds(out[1]); !slices.Equal(got, []keysync.ConflictKind{keysync.ConflictSharedEmail}) {
		tb.Fatalf("conflicts=%v, want shared_email", got)
	}
	return out[0].Number, out[1].Number, f.mustConflictID(tb, "shared_email", 2)
}

func (f *fixture) mustConflictID(tb testing.TB, kind string, account uint64) uint64 {
	tb.Helper()
	var id uint64
	if err := f.DB.QueryRowContext(tb.Context(), `SELECT id FROM conflicts WHERE kind = ? AND account_id = ? ORDER BY id DESC LIMIT 1`, kind, account).Scan(&id); err != nil {
		tb.Fatalf("conflict %s of %d: %v", kind, account, err)
	}
	return id
}

func (f *fixture) mustResolve(tb testing.TB, r central.Resolution) central.Resolved {
	tb.Helper()
	if r.By == "" {
		r.By = "alice"
	}
	res, err := f.Store.Resolve(tb.Context(), r)
	if err != nil {
		tb.Fatalf("Resolve(%+v): %v", r, err)
	}
	return res
}

// conflictRow is the resolution columns of a conflicts row.
type conflictRow struct {
	Status, Resolution, By, Note string
	OpenKeyNull, ResolvedAtSet   bool
}

func (f *fixture) mustConflictRow(tb testing.TB, id uint64) conflictRow {
	tb.Helper()
	var c conflictRow
	err := f.DB.QueryRowContext(tb.Context(), `SELECT status, COALESCE(resolution, ''), COALESCE(resolved_by, ''), COALESCE(note, ''),
 open_key IS NULL, resolved_at IS NOT NULL FROM conflicts WHERE id = ?`, id).Scan(&c.Status, &c.Resolution, &c.By, &c.Note, &c.OpenKeyNull, &c.ResolvedAtSet)
	if err != nil {
		tb.Fatalf("read conflict %d: %v", id, err)
	}
	return c
}

func TestStore_ResolveMerge(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna, franz, id := sharedMailbox(t, f)

	res := f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, Note: "same person, typo in the first name"})
	if res.Survivor != anna || res.Retired != franz || !slices.Equal(res.Moved, []string{"amicas:2"}) {
		t.Fatalf("Resolved=%+v, want %s surviving, %s retired, amicas:2 moved", res, anna, franz)
	}
	if got := f.Linked(t, source, 2); got != anna {
		t.Errorf("amicas:2 linked to %q, want the survivor %q", got, anna)
	}
	if got := f.MustCount(t, "accounts", "pending_write = 1"); got != 1 {
		t.Errorf("accounts due for a rewrite=%d, want 1 (the moved one)", got)
	}
	if got := f.MustCount(t, "persons", "number = ? AND status = 'retired' AND merged_into = ?", franz, anna); got != 1 {
		t.Errorf("loser %s not retired into %s", franz, anna)
	}
	if got := f.MustCount(t, "events", "kind = 'merged' AND old_value = ? AND new_value = ? AND number IN (?, ?) AND actor = 'alice'", franz, anna, franz, anna); got != 2 {
		t.Errorf("merged events=%d, want one on each number", got)
	}
	if got := f.MustCount(t, "events", "kind = 'conflict_resolved' AND actor = 'alice'"); got == 0 {
		t.Error("no conflict_resolved event")
	}
	want := conflictRow{Status: "resolved", Resolution: "merge", By: "alice", Note: "same person, typo in the first name", OpenKeyNull: true, ResolvedAtSet: true}
	if got := f.mustConflictRow(t, id); got != want {
		t.Errorf("conflict row=%+v, want %+v", got, want)
	}

	if got := f.MustCount(t, "persons", "number = ?", franz); got != 1 {
		t.Errorf("retired person rows=%d, want 1 (kept)", got)
	}

	// Resolving it again is an error that says so.
	_, err := f.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveIgnore, By: "bob"})
	if !errors.Is(err, central.ErrNotOpen) {
		t.Errorf("second Resolve=%v, want ErrNotOpen", err)
	}
}

// TestStore_RetiredNumberSkippedByTheSequence: a number adopted from a
// portal above the sequence and then retired by a merge lies on the
// sequence's way; when the sequence reaches it, the allocator skips it, so
// the retired number is never handed out again.
func TestStore_RetiredNumberSkippedByTheSequence(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	typed := f.Number(t, numberStart+2)
	out := f.mustAssign(t, cands(
		account(1, func(a *keysync.Account) {
			a.Email, a.FirstName, a.LastName, a.Number = "familie.berger@aon.at", "Maria", "Berger", typed
		}),
		account(2, func(a *keysync.Account) {
			a.Email, a.FirstName, a.LastName = "familie.berger@aon.at", "Josef", "Berger"
		}),
	)...)
	if out[0].Action != keysync.ActionAdopt || out[0].Number != typed || out[1].Number != f.Number(t, numberStart) {
		t.Fatalf("outcomes %+v, want %s adopted and %s assigned", out, typed, f.Number(t, numberStart))
	}
	res := f.mustResolve(t, central.Resolution{ID: f.mustConflictID(t, "shared_email", 2), As: central.ResolveMerge, Into: out[1].Number})
	if res.Retired != typed {
		t.Fatalf("retired %s, want the adopted %s", res.Retired, typed)
	}

	var got []string
	for _, o := range f.mustAssign(t, cands(account(3), account(4), account(5))...) {
		got = append(got, o.Number)
	}
	want := []string{f.Number(t, numberStart+1), f.Number(t, numberStart+3), f.Number(t, numberStart+4)}
	if !slices.Equal(got, want) {
		t.Errorf("new numbers %v, want %v: the retired %s skipped", got, want, typed)
	}
}

func TestStore_ResolveMergeInto(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna, franz, id := sharedMailbox(t, f)
	// A third person merged into Anna earlier follows her into Franz.
	third := f.mustAssign(t, cand(account(3)))[0].Number
	if _, err := f.DB.ExecContext(t.Context(), `UPDATE persons SET status = 'retired', merged_into = ? WHERE number = ?`, anna, third); err != nil {
		t.Fatal(err)
	}

	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveMerge, Into: f.Number(t, 4242), By: "alice"}); !errors.Is(err, central.ErrNotFound) {
		t.Errorf("--into an unknown number: %v, want ErrNotFound", err)
	}
	res := f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, Into: franz})
	if res.Survivor != franz || res.Retired != anna || !slices.Equal(res.Moved, []string{"amicas:1"}) {
		t.Fatalf("Resolved=%+v, want %s surviving with amicas:1 moved", res, franz)
	}
	if got := f.Linked(t, source, 1); got != franz {
		t.Errorf("amicas:1 linked to %q, want %q", got, franz)
	}
	p, err := f.Store.Person(t.Context(), franz)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(p.Accounts); got != 2 || !slices.Equal(p.Merged, []string{anna, third}) {
		t.Errorf("survivor has %d accounts, merged %v; want 2 and [%s %s]", got, p.Merged, anna, third)
	}
	retired, err := f.Store.Person(t.Context(), anna)
	if err != nil {
		t.Fatal(err)
	}
	if retired.Status != "retired" || retired.MergedInto != franz || len(retired.Accounts) != 0 {
		t.Errorf("retired person=%+v", retired)
	}
	if got := f.MustCount(t, "persons", "number = ? AND merged_into = ?", third, franz); got != 1 {
		t.Errorf("%s, merged into %s before, does not point at the survivor %s", third, anna, franz)
	}
}

func TestStore_ResolveSettlesTheSamePair(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna, franz, id := sharedMailbox(t, f)
	// A second finding about the same two persons, raised later.
	if _, err := f.Store.RecordConflicts(t.Context(), []keysync.Conflict{{Kind: keysync.ConflictSuspectedDuplicate, Source: source, AccountID: 1,
		Value: "Anna Gruber", Number: franz, Detail: "may be the same person", Rule: keysync.RuleNamesOnly}}); err != nil {
		t.Fatal(err)
	}
	other := f.mustConflictID(t, "suspected_duplicate", 1)

	res := f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveDistinct})
	if !slices.Equal(res.Also, []uint64{other}) {
		t.Fatalf("Also=%v, want [%d]", res.Also, other)
	}
	if got := f.mustConflictRow(t, other); got.Status != "resolved" || got.Resolution != "distinct" || !got.OpenKeyNull {
		t.Errorf("settled conflict=%+v", got)
	}
	if got := f.MustCount(t, "distinct_pairs", ""); got != 1 {
		t.Errorf("distinct pairs=%d, want 1 (%s, %s)", got, anna, franz)
	}
}

// TestStore_MergeSettlesADeclaredDistinctPair: a pair declared different
// persons is not asked about again. Three registrations of one name with
// nothing else to compare: the second is declared another person than the
// first; the third, asked about against both, is merged into the second,
// which turns its open question about the first into the pair already
// decided. The merge closes it as distinct, with its event.
func TestStore_MergeSettlesADeclaredDistinctPair(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna := func(id uint64, email string) keysync.Account {
		return account(id, func(a *keysync.Account) { a.Email, a.FirstName, a.LastName = email, "Anna", "Gruber" })
	}
	first := f.mustAssign(t, cand(anna(1, "anna.gruber@gmx.at")))[0].Number
	second := f.mustAssign(t, cand(anna(2, "a.gruber@aon.at")))[0].Number
	third := f.mustAssign(t, cand(anna(3, "gruber.anna@chello.at")))[0]
	if got := conflictKinds(third); len(got) != 2 {
		t.Fatalf("the third registration's conflicts %v, want one about each earlier Anna Gruber", got)
	}
	conflictAbout := func(account uint64, other string) uint64 {
		t.Helper()
		var id uint64
		if err := f.DB.QueryRowContext(t.Context(), `SELECT id FROM conflicts WHERE account_id = ? AND number = ?`, account, other).Scan(&id); err != nil {
			t.Fatalf("conflict of %d about %s: %v", account, other, err)
		}
		return id
	}
	f.mustResolve(t, central.Resolution{ID: conflictAbout(2, first), As: central.ResolveDistinct, Note: "two members of one name"})
	res := f.mustResolve(t, central.Resolution{ID: conflictAbout(3, second), As: central.ResolveMerge})
	if res.Survivor != second || res.Retired != third.Number {
		t.Fatalf("merge %+v, want %s into %s", res, third.Number, second)
	}
	settled := conflictAbout(3, first)
	if !slices.Equal(res.SettledDistinct, []uint64{settled}) {
		t.Errorf("SettledDistinct=%v, want [%d]: the third's question about %s is the pair %s, %s decided before", res.SettledDistinct, settled, first, second, first)
	}
	if got := f.mustConflictRow(t, settled); got.Status != "resolved" || got.Resolution != "distinct" || !got.OpenKeyNull {
		t.Errorf("conflict about the pair decided before: %+v, want resolved as distinct", got)
	}
	if got := f.MustCount(t, "events", "kind = 'conflict_resolved' AND detail LIKE ?", fmt.Sprintf("conflict #%d%%declared different persons%%", settled)); got != 1 {
		t.Errorf("conflict_resolved events of the settled conflict=%d, want 1", got)
	}
	if got := f.MustCount(t, "conflicts", "status = 'open'"); got != 0 {
		t.Errorf("%d conflicts still open", got)
	}
}

func TestStore_ResolveDistinctAndIgnore(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna, franz, id := sharedMailbox(t, f)

	res := f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveDistinct, By: "carol", Note: "a couple"})
	lo, hi := min(anna, franz), max(anna, franz)
	if !slices.Equal(res.Distinct, []string{lo, hi}) {
		t.Errorf("Distinct=%v, want [%s %s]", res.Distinct, lo, hi)
	}
	if got := f.MustCount(t, "distinct_pairs", "number_a = ? AND number_b = ? AND decided_by = 'carol' AND note = 'a couple'", lo, hi); got != 1 {
		t.Errorf("distinct pair rows=%d, want 1 ordered (%s, %s)", got, lo, hi)
	}
	want := conflictRow{Status: "resolved", Resolution: "distinct", By: "carol", Note: "a couple", OpenKeyNull: true, ResolvedAtSet: true}
	if got := f.mustConflictRow(t, id); got != want {
		t.Errorf("conflict row=%+v, want %+v", got, want)
	}
	if got := f.MustCount(t, "persons", "status = 'active'"); got != 2 {
		t.Errorf("active persons=%d, want both", got)
	}

	// An invalid number: one account, no persons; only ignore fits.
	f.mustAssign(t, cand(account(3, func(a *keysync.Account) { a.Number = "12345" })))
	bad := f.mustConflictID(t, "invalid_number", 3)
	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: bad, As: central.ResolveDistinct, By: "carol"}); !errors.Is(err, central.ErrCannotResolve) {
		t.Errorf("distinct on invalid_number=%v, want ErrCannotResolve", err)
	}
	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: bad, As: central.ResolveMerge, By: "carol"}); !errors.Is(err, central.ErrCannotResolve) {
		t.Errorf("merge on invalid_number without a person=%v, want ErrCannotResolve", err)
	}
	f.mustResolve(t, central.Resolution{ID: bad, As: central.ResolveIgnore, By: "carol"})
	if got := f.mustConflictRow(t, bad); got.Status != "ignored" || got.Resolution != "ignore" || !got.OpenKeyNull {
		t.Errorf("ignored conflict row=%+v", got)
	}
	if got := f.MustCount(t, "events", "kind = 'conflict_resolved' AND source = ? AND account_id = 3 AND number IS NULL", source); got != 1 {
		t.Errorf("conflict_resolved events of the unlinked account=%d, want 1", got)
	}
	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: 999999, As: central.ResolveIgnore, By: "carol"}); !errors.Is(err, central.ErrNotFound) {
		t.Errorf("unknown conflict=%v, want ErrNotFound", err)
	}
}

func TestStore_ResolveMergeLinksUnlinkedAccount(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	out := f.mustAssign(t, cand(account(1, func(a *keysync.Account) { a.FirstName = "Vera"; a.LastName = "Valid" })))
	vera := out[0].Number
	// A row carrying Vera's number under another name.
	taker := account(2, func(a *keysync.Account) { a.Number = vera; a.FirstName = "Veronika"; a.LastName = "Valid-Huber" })
	f.mustAssign(t, cand(taker))
	id := f.mustConflictID(t, "number_taken", 2)

	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveDistinct, By: "dave"}); !errors.Is(err, central.ErrCannotResolve) {
		t.Errorf("distinct on an unlinked account=%v, want ErrCannotResolve", err)
	}
	if _, err := f.Store.Resolve(t.Context(), central.Resolution{ID: id, As: central.ResolveMerge, By: "dave"}); !errors.Is(err, central.ErrNeedsAccount) {
		t.Errorf("merge without the portal row=%v, want ErrNeedsAccount", err)
	}
	c := cand(taker)
	res := f.mustResolve(t, central.Resolution{ID: id, As: central.ResolveMerge, By: "dave", Account: &c})
	if res.Survivor != vera || res.Retired != "" || !slices.Equal(res.Moved, []string{"amicas:2"}) {
		t.Errorf("Resolved=%+v, want amicas:2 linked to %s", res, vera)
	}
	if got := f.MustCount(t, "accounts", "source = ? AND account_id = 2 AND number = ? AND pending_write = 1", source, vera); got != 1 {
		t.Error("account not linked with a rewrite due")
	}
	// The next pass keeps it.
	again := f.mustAssign(t, cand(taker))
	if again[0].Action != keysync.ActionKeep || again[0].Number != vera || len(again[0].Conflicts) != 0 {
		t.Errorf("next decision=%+v, want keep %s without conflicts", again[0], vera)
	}
}

func TestStore_ResolveUnknownAs(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	_, _, id := sharedMailbox(t, f)
	for _, r := range []central.Resolution{
		{ID: id, As: "delete", By: "x"},
		{ID: id, As: central.ResolveIgnore, Into: "000000013", By: "x"},
	} {
		if _, err := f.Store.Resolve(t.Context(), r); !errors.Is(err, central.ErrCannotResolve) {
			t.Errorf("Resolve(%+v)=%v, want ErrCannotResolve", r, err)
		}
	}
	if got := f.mustConflictRow(t, id); got.Status != "open" {
		t.Errorf("conflict %s after refused resolutions, want open", got.Status)
	}
}

func TestStore_Conflicts(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	anna, _, shared := sharedMailbox(t, f)
	f.mustAssign(t, cand(account(3, func(a *keysync.Account) { a.Number = "12345" })))
	invalid := f.mustConflictID(t, "invalid_number", 3)

	all, err := f.Store.Conflicts(t.Context(), central.ConflictFilter{})
	if err != nil || len(all) != 2 || all[0].ID != invalid || all[1].ID != shared {
		t.Fatalf("all conflicts=%+v, %v; want both, newest first", all, err)
	}
	if c := all[1]; c.Kind != "shared_email" || c.Status != "open" || c.Account != "amicas:2" || c.Number != anna || c.AccountNumber == "" {
		t.Errorf("shared_email conflict=%+v", c)
	}
	if c := all[0]; c.AccountNumber != "" || c.Value != "12345" {
		t.Errorf("invalid_number conflict=%+v, want unlinked with its value", c)
	}
	f.mustResolve(t, central.Resolution{ID: invalid, As: central.ResolveIgnore})
	for _, tc := range []struct {
		f    central.ConflictFilter
		want []uint64
	}{
		{central.ConflictFilter{Open: true}, []uint64{shared}},
		{central.ConflictFilter{Kind: "invalid_number"}, []uint64{invalid}},
		{central.ConflictFilter{Number: anna}, []uint64{shared}},
		{central.ConflictFilter{Source: source, AccountID: 3}, []uint64{invalid}},
		{central.ConflictFilter{Source: "club"}, nil},
		{central.ConflictFilter{Limit: 1}, []uint64{invalid}},
	} {
		got, err := f.Store.Conflicts(t.Context(), tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("Conflicts(%+v)=%v, want %v", tc.f, ids, tc.want)
		}
	}
	c, err := f.Store.Conflict(t.Context(), invalid)
	if err != nil || c.Status != "ignored" || c.ResolvedBy != "alice" || c.ResolvedAt == nil {
		t.Errorf("ignored conflict=%+v, %v", c, err)
	}
	if _, err := f.Store.Conflict(t.Context(), 424242); !errors.Is(err, central.ErrNotFound) {
		t.Errorf("unknown conflict: %v, want ErrNotFound", err)
	}
}
