package typo3_test

import (
	"slices"
	"strconv"
	"testing"

	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

func mustChanges(tb testing.TB, src *typo3.Source, cursor string, first bool, limit int) keysync.ChangePage {
	tb.Helper()
	page, err := src.Changes(tb.Context(), cursor, first, limit, now)
	if err != nil {
		tb.Fatalf("Changes(%q): %v", cursor, err)
	}
	return page
}

// TestSource_Changes: the changed rows come in (tstamp, uid) order, a
// page at a time, each page's cursor continuing where it ended. A pass's
// first page starts ChangeOverlap before the last read when the last
// change lies within it, so a row stamped a little earlier that committed
// later is read; a row stamped in the future is read again by every pass
// until its time has come; a cursor older than that continues exactly
// where it stopped, reading nothing twice.
func TestSource_Changes(t *testing.T) {
	t.Parallel()
	p := mustMigrated(t, testdb.Typo3V13, typo3.Config{})
	base := now.Unix() - 200
	var users []testdb.FeUser
	for i := range 7 {
		users = append(users, testdb.FeUser{Pid: 5, Username: "u" + strconv.Itoa(i), FirstName: "A", LastName: "B", Tstamp: base + int64(i%3)*60})
	}
	ids := testdb.InsertFeUsers(t, p.db, users)
	head, err := p.src.ChangeHead(t.Context(), now)
	if want := strconv.FormatInt(base+120, 10) + ":" + strconv.FormatUint(ids[5], 10) + ":" + strconv.FormatInt(now.Unix(), 10); err != nil || head != want {
		t.Fatalf("ChangeHead = %q, %v; want %q", head, err, want)
	}

	var seen []uint64
	cursor := "0:0:0"
	for first := true; ; first = false {
		page := mustChanges(t, p.src, cursor, first, 3)
		for _, a := range page.Accounts {
			seen = append(seen, a.ID)
		}
		cursor = page.Cursor
		if !page.More {
			break
		}
	}
	// tstamp base: uids 0, 3, 6; +60: 1, 4; +120: 2, 5.
	want := []uint64{ids[0], ids[3], ids[6], ids[1], ids[4], ids[2], ids[5]}
	if !slices.Equal(seen, want) {
		t.Errorf("changes in order %v, want %v", seen, want)
	}
	if want := strconv.FormatInt(base+120, 10) + ":" + strconv.FormatUint(ids[5], 10) + ":" + strconv.FormatInt(now.Unix(), 10); cursor != want {
		t.Errorf("cursor after the last page %q, want %q", cursor, want)
	}
	if page := mustChanges(t, p.src, cursor, false, 3); len(page.Accounts) != 0 || page.More {
		t.Errorf("nothing after the last change: %+v", page)
	}

	// A row stamped before the cursor, committed late: the next pass's
	// first page reads it (and the rows after it again).
	late := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{{Pid: 5, Username: "late", Tstamp: base + 60}})[0]
	if page := mustChanges(t, p.src, cursor, true, 100); !slices.ContainsFunc(page.Accounts, func(a keysync.Account) bool { return a.ID == late }) {
		t.Errorf("a late commit within the overlap is not read: %v", page.Accounts)
	}
	// One stamped an hour ahead (a web server's clock): read by each pass.
	ahead := testdb.InsertFeUsers(t, p.db, []testdb.FeUser{{Pid: 5, Username: "ahead", Tstamp: now.Unix() + 3600}})[0]
	page := mustChanges(t, p.src, cursor, true, 100)
	if last := page.Accounts[len(page.Accounts)-1]; last.ID != ahead {
		t.Fatalf("the row stamped ahead is not read: %v", page.Accounts)
	}
	again := mustChanges(t, p.src, page.Cursor, true, 100)
	if !slices.ContainsFunc(again.Accounts, func(a keysync.Account) bool { return a.ID == ahead }) {
		t.Errorf("the next pass does not read the row stamped ahead again: %v", again.Accounts)
	}

	// A cursor read an hour after its last change: continued exactly.
	quiet := strconv.FormatInt(base+120, 10) + ":" + strconv.FormatUint(ids[5], 10) + ":" + strconv.FormatInt(base+120+3600, 10)
	testdb.MustExec(t, p.db, "UPDATE fe_users SET tstamp = ? WHERE uid IN (?, ?)", base, late, ahead)
	if page := mustChanges(t, p.src, quiet, true, 100); len(page.Accounts) != 0 {
		t.Errorf("a quiet cursor reads %d rows again", len(page.Accounts))
	}
}

// TestSource_ChangesUseIndex: reading changes costs the same on any table
// size: the plan uses the change index, never a scan.
func TestSource_ChangesUseIndex(t *testing.T) {
	t.Parallel()
	p := mustPortal(t, testdb.Typo3V13, typo3.Config{})
	testdb.InsertFeUsers(t, p.db, testdb.GenerateFeUsers(5, 3000))
	mustMigrate(t, p.src)
	mustCheck(t, p.src)
	testdb.MustExec(t, p.db, "ANALYZE TABLE fe_users")
	q := selectSQL + " FORCE INDEX (tx_keysync_changed) WHERE tstamp >= ? AND (tstamp > ? OR uid > ?) ORDER BY tstamp, uid LIMIT ?"
	plan := explain(t, p.src.DB(), q, now.Unix()-300, now.Unix()-300, 0, 500)
	if got, want := plan["key"], typo3.ChangeIndex; got != want {
		t.Fatalf("EXPLAIN key=%q, want %q (plan %v)", got, want, plan)
	}
	if plan["type"] != "range" {
		t.Errorf("EXPLAIN type=%q, want range (plan %v)", plan["type"], plan)
	}
}
