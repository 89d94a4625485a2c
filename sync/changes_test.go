package keysync_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"keysync/internal/centraltest"
	"keysync/internal/testdb"
	"keysync/sources/typo3"
	keysync "keysync/sync"
)

// stamp is a TYPO3 tstamp minutes before the test clock.
func stamp(minutesAgo int) int64 { return now.Add(-time.Duration(minutesAgo) * time.Minute).Unix() }

// edit changes a portal row the way TYPO3 does: the values and tstamp.
func edit(tb testing.TB, p *centraltest.Portal, uid uint64, set string, tstamp int64, args ...any) {
	tb.Helper()
	testdb.MustExec(tb, p.DB, "UPDATE fe_users SET "+set+", tstamp = ? WHERE uid = ?", append(args, tstamp, uid)...)
}

func recordValue(tb testing.TB, r *rig, number string, f keysync.Field) (value, account string) {
	tb.Helper()
	p, err := r.Store.Person(tb.Context(), number)
	if err != nil {
		tb.Fatal(err)
	}
	for _, v := range p.Record {
		if v.Field == f {
			return v.Value, v.Account
		}
	}
	return "", ""
}

// countingSource counts the rows its changes return.
type countingSource struct {
	*typo3.Source
	read int
	// afterRecorded, if set, runs after a page of changes was recorded.
	afterRecorded func() error
}

func (c *countingSource) Changes(ctx context.Context, cursor string, first bool, limit int, now time.Time) (keysync.ChangePage, error) {
	page, err := c.Source.Changes(ctx, cursor, first, limit, now)
	c.read += len(page.Accounts)
	return page, err
}

func (c *countingSource) ChangesRecorded(ctx context.Context, page keysync.ChangePage) error {
	if c.afterRecorded != nil {
		return c.afterRecorded()
	}
	return c.Source.ChangesRecorded(ctx, page)
}

// TestEngine_ChangesReachTheRecord: a row a portal changed reaches the
// central record on the next pass, through the change index: a first
// pass reads no row twice (its sweep reads them all), an idle pass reads
// only what lies within the overlap, and an edit of a linked row is
// counted as changed and recorded with its time.
func TestEngine_ChangesReachTheRecord(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Femanager(t, "amicas")
	old := stamp(60 * 24)
	uids := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{
		{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster", Email: "erika@example.at", City: "Wien", Crdate: old, Tstamp: old},
		{Pid: 5, Username: "max", FirstName: "Max", LastName: "Muster", Email: "max@example.at", City: "Wien", Crdate: old, Tstamp: old},
	})
	src := &countingSource{Source: p.Source}
	portal := keysync.Portal{Source: src, Country: "AT"}
	if c := r.MustPass(t, portal); c.Assigned != 2 || src.read != 0 {
		t.Fatalf("first pass %+v, changes read %d: want 2 numbers and no row read twice", c, src.read)
	}
	if c := r.MustPass(t, portal); c != (keysync.Counts{}) || src.read != 0 {
		t.Fatalf("idle pass %+v read %d changed rows, want none", c, src.read)
	}
	edit(t, p, uids[0], "city = 'Graz', telephone = '0316 1234'", stamp(2))
	c := r.MustPass(t, portal)
	if c.Changed != 1 || c.Assigned+c.Linked+c.Written != 0 {
		t.Errorf("pass after an edit: %+v, want one changed", c)
	}
	num := p.MustRow(t, uids[0]).Number
	if v, from := recordValue(t, r, num, keysync.FieldCity); v != "Graz" || from != "amicas:"+itoa(uids[0]) {
		t.Errorf("city = %q from %s, want Graz from amicas", v, from)
	}
	if v, _ := recordValue(t, r, num, keysync.FieldPhone); v != "0316 1234" {
		t.Errorf("phone = %q", v)
	}
	// The edit is within the overlap: read again, recognised, not counted.
	src.read = 0
	if c := r.MustPass(t, portal); c != (keysync.Counts{}) || src.read != 1 {
		t.Errorf("pass after: %+v, %d rows read again, want nothing changed and the one row within the overlap", c, src.read)
	}
	if n := r.MustCount(t, "field_changes", "field = 'city'"); n != 1 {
		t.Errorf("%d history rows of the city, want 1", n)
	}
}

// TestEngine_SamePersonChangesOnBothPortals: the same member changes her
// town on both portals; whichever portal keysync reads first, the later
// change wins, and the earlier one is history.
func TestEngine_SamePersonChangesOnBothPortals(t *testing.T) {
	t.Parallel()
	for _, order := range []string{"amicas first", "club first"} {
		t.Run(order, func(t *testing.T) {
			t.Parallel()
			r := mustRig(t, nil)
			a, b := r.Femanager(t, "amicas"), r.Femanager(t, "club")
			old := stamp(60 * 24)
			member := testdb.FeUser{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster", Email: "erika@example.at",
				City: "Wien", Telephone: "01 111", Crdate: old, Tstamp: old}
			ua := testdb.InsertFeUsers(t, a.DB, []testdb.FeUser{member})[0]
			ub := testdb.InsertFeUsers(t, b.DB, []testdb.FeUser{member})[0]
			r.MustPass(t, a.Portal)
			r.MustPass(t, b.Portal)
			num := a.MustRow(t, ua).Number
			if b.MustRow(t, ub).Number != num {
				t.Fatal("one member, two numbers")
			}
			// amicas: Graz ten minutes ago; club: Linz five minutes ago and
			// its phone emptied.
			edit(t, a, ua, "city = 'Graz'", stamp(10))
			edit(t, b, ub, "city = 'Linz', telephone = ''", stamp(5))
			first, second := a.Portal, b.Portal
			if order == "club first" {
				first, second = second, first
			}
			r.MustPass(t, first)
			r.MustPass(t, second)
			if v, from := recordValue(t, r, num, keysync.FieldCity); v != "Linz" || from != "club:"+itoa(ub) {
				t.Errorf("city = %q from %s, want Linz from club", v, from)
			}
			// club's empty phone does not erase amicas's.
			if v, from := recordValue(t, r, num, keysync.FieldPhone); v != "01 111" || from != "amicas:"+itoa(ua) {
				t.Errorf("phone = %q from %s, want 01 111 from amicas", v, from)
			}
		})
	}
}

// failingCursor fails storing the change cursor while fail is set: the
// central commit of the changes happened, the pass dies before it can
// say so.
type failingCursor struct {
	keysync.Store
	fail bool
}

var errCursorCrash = errors.New("crash after the central commit")

func (f *failingCursor) SetChangeCursor(ctx context.Context, source, cursor string) error {
	if f.fail {
		return errCursorCrash
	}
	return f.Store.SetChangeCursor(ctx, source, cursor)
}

// TestEngine_ChangesCrashAfterCommit: a pass dies between the central
// commit of a change and storing how far it read; the next pass reads the
// change again, finds it recorded, and records it once.
func TestEngine_ChangesCrashAfterCommit(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Femanager(t, "amicas")
	old := stamp(60 * 24)
	uid := testdb.InsertFeUsers(t, p.DB, []testdb.FeUser{{Pid: 5, Username: "erika", FirstName: "Erika", LastName: "Muster",
		Email: "erika@example.at", City: "Wien", Crdate: old, Tstamp: old}})[0]
	r.MustPass(t, p.Portal)
	edit(t, p, uid, "city = 'Graz'", stamp(1))

	store := &failingCursor{Store: r.Store, fail: true}
	eng := *r.Engine
	eng.Store = store
	if _, err := eng.Pass(t.Context(), t.Context(), p.Portal); !errors.Is(err, errCursorCrash) {
		t.Fatalf("pass = %v, want the crash", err)
	}
	store.fail = false
	if c, err := eng.Pass(t.Context(), t.Context(), p.Portal); err != nil || c.Changed != 0 {
		t.Fatalf("next pass = %+v, %v: want the change found recorded", c, err)
	}
	num := p.MustRow(t, uid).Number
	if v, _ := recordValue(t, r, num, keysync.FieldCity); v != "Graz" {
		t.Errorf("city = %q, want Graz", v)
	}
	if n := r.MustCount(t, "field_changes", ""); n != 1 {
		t.Errorf("%d history rows, want 1", n)
	}
}

// TestEngine_ChangesAfterUpgrade: a source linked before change detection
// (no cursor stored, rows swept long ago) has every row read once, which
// fills the records without history; then only changes are read.
func TestEngine_ChangesAfterUpgrade(t *testing.T) {
	t.Parallel()
	r := mustRig(t, nil)
	p := r.Femanager(t, "amicas")
	testdb.InsertFeUsers(t, p.DB, testdb.GenerateFeUsers(21, 300))
	r.MustPass(t, p.Portal)
	testdb.MustExec(t, r.DB, "UPDATE source_state SET change_cursor = NULL")
	testdb.MustExec(t, r.DB, "UPDATE accounts SET data_hash = NULL")
	testdb.MustExec(t, r.DB, "UPDATE persons SET record = NULL")
	src := &countingSource{Source: p.Source}
	c := r.MustPass(t, keysync.Portal{Source: src, Country: "AT"})
	if src.read != 300 || c.Changed != 300 {
		t.Errorf("first pass after the upgrade read %d rows and changed %d, want all 300", src.read, c.Changed)
	}
	if n := r.MustCount(t, "field_changes", ""); n != 0 {
		t.Errorf("%d history rows from filling the records, want none", n)
	}
	if n := r.MustCount(t, "persons", "record IS NULL"); n != 0 {
		t.Errorf("%d persons without a record", n)
	}
	src.read = 0
	if c := r.MustPass(t, keysync.Portal{Source: src, Country: "AT"}); c != (keysync.Counts{}) {
		t.Errorf("the pass after: %+v", c)
	}
}

var _ keysync.ChangeSource = (*countingSource)(nil)

func itoa(id uint64) string { return strconv.FormatUint(id, 10) }
