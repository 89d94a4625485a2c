package central_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// TestRecordPoll: a success stamps last_ok_at; a failure stamps the error,
// which stays after the next success so that status can show the recovery;
// the sweep watermark is never touched.
func TestRecordPoll(t *testing.T) {
	f := mustStore(t)
	ctx := t.Context()
	clock := now
	f.Store.Now = func() time.Time { return clock }
	if err := f.Store.AdvanceWatermark(ctx, source, 42); err != nil {
		t.Fatal(err)
	}

	mustRecord := func(ok bool, errText string) central.SourceState {
		t.Helper()
		if err := f.Store.RecordPoll(ctx, source, ok, errText); err != nil {
			t.Fatalf("RecordPoll: %v", err)
		}
		states, err := f.Store.SourceStates(ctx)
		if err != nil {
			t.Fatalf("SourceStates: %v", err)
		}
		return states[source]
	}
	st := mustRecord(true, "")
	if !st.LastPollAt.Equal(now) || !st.LastOKAt.Equal(now) || st.LastError != "" || !st.LastErrorAt.IsZero() {
		t.Errorf("after success: %+v", st)
	}
	clock = now.Add(time.Minute)
	st = mustRecord(false, "amicas: read new rows: connection refused")
	if !st.LastPollAt.Equal(clock) || !st.LastOKAt.Equal(now) || st.LastError != "amicas: read new rows: connection refused" || !st.LastErrorAt.Equal(clock) {
		t.Errorf("after failure: %+v", st)
	}
	failedAt := clock
	clock = now.Add(2 * time.Minute)
	st = mustRecord(true, "")
	if !st.LastOKAt.Equal(clock) || !st.LastErrorAt.Equal(failedAt) || st.LastError == "" {
		t.Errorf("after recovery: %+v", st)
	}
	if w, err := f.Store.Watermark(ctx, source); err != nil || w != 42 {
		t.Errorf("watermark = %d, %v; want 42", w, err)
	}

	// A new source starts its row with the first poll, and a long error is
	// clipped rather than refused.
	if err := f.Store.RecordPoll(ctx, "blog", false, strings.Repeat("é", 5000)); err != nil {
		t.Fatal(err)
	}
	states, err := f.Store.SourceStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b := states["blog"]; len([]rune(b.LastError)) != 2000 || !b.LastOKAt.IsZero() {
		t.Errorf("blog: error of %d runes, last ok %v", len([]rune(b.LastError)), b.LastOKAt)
	}
	if w, err := f.Store.Watermark(ctx, "blog"); err != nil || w != 0 {
		t.Errorf("blog watermark = %d, %v", w, err)
	}
}

// TestOpenConflicts counts open conflicts per source and kind only.
func TestOpenConflicts(t *testing.T) {
	f := mustStore(t)
	ctx := t.Context()
	_, err := f.Store.RecordConflicts(ctx, []keysync.Conflict{
		{Kind: keysync.ConflictInvalidNumber, Source: source, AccountID: 1, Value: "12ab"},
		{Kind: keysync.ConflictInvalidNumber, Source: source, AccountID: 2, Value: "x"},
		{Kind: keysync.ConflictSharedEmail, Source: source, AccountID: 3},
		{Kind: keysync.ConflictWriteBack, Source: "blog", AccountID: 9},
		{Kind: keysync.ConflictWriteBack, Source: "blog", AccountID: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.Exec(`UPDATE conflicts SET status = 'resolved' WHERE source = 'blog' AND account_id = 10`); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.RebuildOpenCounts(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.Store.OpenConflicts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		source: {"invalid_number": 2, "shared_email": 1},
		"blog": {"writeback_mismatch": 1},
	}
	if len(got) != len(want) {
		t.Fatalf("OpenConflicts = %v, want %v", got, want)
	}
	for src, kinds := range want {
		for k, n := range kinds {
			if got[src][k] != n || len(got[src]) != len(kinds) {
				t.Errorf("OpenConflicts = %v, want %v", got, want)
			}
		}
	}
}

// TestLastReconciliations picks each source's latest run.
func TestLastReconciliations(t *testing.T) {
	f := mustStore(t)
	ins := `INSERT INTO reconciliations (source, started_at, finished_at, status, report, actor) VALUES (?, ?, ?, ?, ?, 'test')`
	for _, r := range []struct {
		source   string
		start    time.Time
		finished any
		status   string
	}{
		{source, now.Add(-48 * time.Hour), now.Add(-47 * time.Hour), "conflicts"},
		{source, now.Add(-24 * time.Hour), now.Add(-23 * time.Hour), "clean"},
		{"blog", now.Add(-time.Hour), nil, "running"},
	} {
		if _, err := f.DB.Exec(ins, r.source, r.start, r.finished, r.status, "report of "+r.status); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.Store.LastReconciliations(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r := got[source]; r.Status != "clean" || !r.StartedAt.Equal(now.Add(-24*time.Hour)) || !r.FinishedAt.Equal(now.Add(-23*time.Hour)) || r.Report != "report of clean" {
		t.Errorf("%s: %+v", source, r)
	}
	if r := got["blog"]; r.Status != "running" || !r.FinishedAt.IsZero() {
		t.Errorf("blog: %+v", r)
	}
	if len(got) != 2 {
		t.Errorf("%d sources, want 2", len(got))
	}
}

// TestStatus_SchemaMissing: before migrate every status query says so.
func TestStatus_SchemaMissing(t *testing.T) {
	f := mustCentral(t, numbering(t))
	ctx := t.Context()
	if err := f.Store.RecordPoll(ctx, source, true, ""); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("RecordPoll: %v", err)
	}
	if _, err := f.Store.SourceStates(ctx); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("SourceStates: %v", err)
	}
	if _, err := f.Store.OpenConflicts(ctx); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("OpenConflicts: %v", err)
	}
	if _, err := f.Store.LastReconciliations(ctx); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("LastReconciliations: %v", err)
	}
}
