package wordpress_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keysync/internal/testdb"
	"keysync/sources/wordpress"
	keysync "keysync/sync"
)

// write is the write-back of user id with values derived from id.
func write(id uint64) keysync.Write {
	return keysync.Write{ID: id, Number: fmt.Sprintf("N%08d", id), HH: fmt.Sprintf("H%06d", id), PE: fmt.Sprintf("P%07d", id)}
}

func written(w keysync.Write) keysync.Written {
	return keysync.Written{ID: w.ID, Found: true, Number: w.Number, HH: w.HH, PE: w.PE}
}

func TestSource_WriteBack(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			hook := filepath.Join(t.TempDir(), "hook.log")
			var us []user
			for id := uint64(1); id <= 8; id++ {
				us = append(us, user{ID: id, Login: fmt.Sprint("u", id), Email: fmt.Sprint("u", id, "@aon.at")})
			}
			s.mustInsert(t, us...)
			const (
				fresh     = 1 // no meta yet
				emptyRow  = 2 // a number row with an empty value, as a form plugin leaves it
				admin     = 3 // a number an admin typed in
				dupFirst  = 4 // two number rows, the first one filled
				dupEmpty  = 5 // two number rows, the first one empty
				nullValue = 6 // a number row holding NULL
				idsOnly   = 7 // only the Wibisoft ids are missing
				blank     = 8 // a number row of blanks
				gone      = 9 // no such user
			)
			s.mustMeta(t, emptyRow, wordpress.DefaultNumberKey, "")
			s.mustMeta(t, admin, wordpress.DefaultNumberKey, "ADMIN-1")
			s.mustMeta(t, dupFirst, wordpress.DefaultNumberKey, "FIRST")
			s.mustMeta(t, dupFirst, wordpress.DefaultNumberKey, "SECOND")
			s.mustMeta(t, dupEmpty, wordpress.DefaultNumberKey, "")
			s.mustMeta(t, dupEmpty, wordpress.DefaultNumberKey, "SECOND")
			testdb.MustExec(t, s.db, "INSERT INTO wpx_usermeta (user_id, meta_key, meta_value) VALUES (?, ?, NULL)", nullValue, wordpress.DefaultNumberKey)
			s.mustMeta(t, blank, wordpress.DefaultNumberKey, "  ")

			src := s.open(t, wordpress.Config{AfterWrite: "echo {id} $KEYSYNC_USER_ID $KEYSYNC_SOURCE >> " + hook})
			writes := []keysync.Write{write(fresh), write(emptyRow), write(admin), write(dupFirst), write(dupEmpty), write(nullValue),
				{ID: idsOnly, HH: "H7", PE: "P7"}, write(blank), write(gone)}
			want := []keysync.Written{
				written(writes[0]), written(writes[1]),
				// Values already there stay and are reported.
				{ID: admin, Found: true, Number: "ADMIN-1", HH: writes[2].HH, PE: writes[2].PE},
				{ID: dupFirst, Found: true, Number: "FIRST", HH: writes[3].HH, PE: writes[3].PE},
				written(writes[4]), written(writes[5]),
				{ID: idsOnly, Found: true, HH: "H7", PE: "P7"},
				written(writes[7]),
				{ID: gone},
			}
			got, err := src.WriteBack(t.Context(), writes)
			if err != nil {
				t.Fatalf("WriteBack: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Written:\n got %+v\nwant %+v", got, want)
			}

			// What get_user_meta would read, and no second row anywhere but
			// where there were two before.
			wantMeta := map[uint64]keysyncMeta{
				fresh:     {"N00000001", "H000001", "P0000001"},
				emptyRow:  {"N00000002", "H000002", "P0000002"},
				admin:     {"ADMIN-1", "H000003", "P0000003"},
				dupFirst:  {"FIRST|SECOND", "H000004", "P0000004"},
				dupEmpty:  {"N00000005|SECOND", "H000005", "P0000005"},
				nullValue: {"N00000006", "H000006", "P0000006"},
				idsOnly:   {"", "H7", "P7"},
				blank:     {"N00000008", "H000008", "P0000008"},
				gone:      {},
			}
			check := func(when string) {
				t.Helper()
				for id, w := range wantMeta {
					if got := s.keysyncMeta(t, id); got != w {
						t.Errorf("%s: meta of user %d=%+v, want %+v", when, id, got, w)
					}
				}
			}
			check("after WriteBack")
			if got, want := hookLines(t, hook), []string{"1 1 blog", "2 2 blog", "3 3 blog", "4 4 blog", "5 5 blog", "6 6 blog", "7 7 blog", "8 8 blog"}; !slices.Equal(got, want) {
				t.Errorf("after-write ran for %q, want %q", got, want)
			}

			// A retry (the engine's next pass after a crash) changes nothing
			// and runs no hook: nothing was written.
			got, err = src.WriteBack(t.Context(), writes)
			if err != nil {
				t.Fatalf("second WriteBack: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("second WriteBack:\n got %+v\nwant %+v", got, want)
			}
			check("after the retry")
			if got := hookLines(t, hook); len(got) != 8 {
				t.Errorf("after-write ran %d times after the retry, want 8 in all", len(got))
			}
			if got, err := src.WriteBack(t.Context(), nil); err != nil || got != nil {
				t.Errorf("WriteBack(nil)=%v, %v", got, err)
			}
		})
	}
}

// hookLines reads what the after-write command appended, sorted.
func hookLines(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return lines
}

// TestSource_WriteBackConcurrent: two daemons write the same users at the
// same time, each through its own pool, one with other values. The named
// lock leaves exactly one row per key, and both report what the rows hold.
func TestSource_WriteBackConcurrent(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			const n = 300
			var us []user
			var mine, theirs []keysync.Write
			for id := uint64(1); id <= n; id++ {
				us = append(us, user{ID: id, Login: fmt.Sprint("u", id), Email: fmt.Sprint("u", id, "@aon.at")})
				mine = append(mine, write(id))
				w := write(id)
				w.Number += "x"
				theirs = append(theirs, w)
			}
			s.mustInsert(t, us...)
			srcs := []*wordpress.Source{s.open(t, wordpress.Config{}), s.open(t, wordpress.Config{})}
			batches := [][]keysync.Write{mine, theirs}

			for round := range 3 {
				var wg sync.WaitGroup
				results := make([][]keysync.Written, len(srcs))
				errs := make([]error, len(srcs))
				for i, src := range srcs {
					wg.Go(func() { results[i], errs[i] = src.WriteBack(t.Context(), batches[i]) })
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: WriteBack %d: %v", round, i, err)
					}
				}
				if !reflect.DeepEqual(results[0], results[1]) {
					t.Fatalf("round %d: the two writers saw different rows", round)
				}
				for _, r := range results[0] {
					if m := s.keysyncMeta(t, r.ID); m != (keysyncMeta{r.Number, r.HH, r.PE}) || (r.Number != mine[r.ID-1].Number && r.Number != theirs[r.ID-1].Number) {
						t.Fatalf("round %d: user %d meta=%+v, reported %+v", round, r.ID, m, r)
					}
				}
			}
			s.mustNoDuplicateMeta(t)
			var rows int
			if err := s.db.QueryRow("SELECT COUNT(*) FROM wpx_usermeta").Scan(&rows); err != nil || rows != 3*n {
				t.Errorf("meta rows=%d (%v), want %d", rows, err, 3*n)
			}
		})
	}
}

func TestSource_AfterWriteFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		command string
		timeout time.Duration
		err     string
		output  string
	}{
		{name: "fails", command: "echo cache flush failed for {id}; exit 3", err: "exit status 3", output: "cache flush failed for 1\n"},
		{name: "times out", command: "sleep 5", timeout: 200 * time.Millisecond, err: "timed out after 200ms"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, testdb.WordPressSingle)
			s.mustInsert(t, user{ID: 1, Login: "anna", Email: "anna@aon.at"})
			var logs logBuffer
			src := s.open(t, wordpress.Config{AfterWrite: tc.command, AfterWriteTimeout: tc.timeout, Logger: logs.logger()})

			got, err := src.WriteBack(t.Context(), []keysync.Write{write(1)})
			if err != nil {
				t.Fatalf("WriteBack: %v (a failing hook must not fail the write-back)", err)
			}
			if want := []keysync.Written{written(write(1))}; !reflect.DeepEqual(got, want) {
				t.Errorf("Written=%+v, want %+v", got, want)
			}
			if got, want := s.keysyncMeta(t, 1), (keysyncMeta{"N00000001", "H000001", "P0000001"}); got != want {
				t.Errorf("meta=%+v, want %+v: it stays written", got, want)
			}
			warns := logs.lines(t, "after-write command failed")
			if len(warns) != 1 {
				t.Fatalf("after-write failures logged %d times, want once", len(warns))
			}
			w := warns[0]
			if w["level"] != "WARN" || w[keysync.LogUID] != float64(1) || w[keysync.LogSource] != "blog" || w[keysync.LogErr] != tc.err || w["output"] != tc.output {
				t.Errorf("warning=%v, want uid 1, err %q, output %q", w, tc.err, tc.output)
			}
		})
	}
}
