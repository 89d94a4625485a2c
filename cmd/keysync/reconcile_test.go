package main

import (
	"encoding/json"
	"strings"
	"testing"

	"keysync/internal/sqlutil"
	"keysync/internal/testdb"
	"keysync/sync/central"
	"keysync/sync/reconcile"
)

// reconcileJSON is `keysync reconcile --json` as a script reads it.
type reconcileJSON struct {
	Status     string         `json:"status"`
	Repair     bool           `json:"repair"`
	DurationMS *int64         `json:"duration_ms"`
	Found      map[string]int `json:"found"`
	Repaired   map[string]int `json:"repaired"`
	Conflicts  map[string]int `json:"conflicts"`
	Failed     int            `json:"failed"`
	Forgotten  []string       `json:"forgotten"`
	Sources    []struct {
		Source      string         `json:"source"`
		Status      string         `json:"status"`
		Error       string         `json:"error"`
		Repair      bool           `json:"repair"`
		StartedAt   string         `json:"started_at"`
		DurationMS  *int64         `json:"duration_ms"`
		Rows        int            `json:"rows"`
		Links       int            `json:"links"`
		RowsSummed  int            `json:"rows_compared_by_checksum"`
		LinksSummed int            `json:"links_compared_by_checksum"`
		RowsWalked  int            `json:"rows_walked"`
		LinksWalked int            `json:"links_walked"`
		Found       map[string]int `json:"found"`
		Repaired    map[string]int `json:"repaired"`
		Conflicts   map[string]int `json:"conflicts"`
		New         int            `json:"new_conflicts"`
		Resolved    int            `json:"resolved"`
		Skipped     int            `json:"skipped"`
		Duplicates  bool           `json:"duplicates_checked"`
	} `json:"sources"`
}

func (s *site) reconcile(want int, args ...string) reconcileJSON {
	s.t.Helper()
	r := s.mustRun(want, append([]string{"reconcile", "--json"}, args...)...)
	var out reconcileJSON
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		s.t.Fatalf("reconcile --json: %v\n%s", err, r.stdout)
	}
	if out.DurationMS == nil || len(out.Sources) == 0 {
		s.t.Fatalf("reconcile --json lacks fields:\n%s", r.stdout)
	}
	for _, src := range out.Sources {
		if src.DurationMS == nil || src.StartedAt == "" {
			s.t.Fatalf("source report lacks fields:\n%s", r.stdout)
		}
	}
	return out
}

// TestReconcile_ExitCodes walks two portals: clean is 0, an edited number
// is 3 until --repair restores it, a broken source is 1 while the other is
// still reconciled, and --source picks one.
func TestReconcile_ExitCodes(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	uids := s.insertUsers("amicas", 21, 30)
	s.insertUsers("club", 22, 20)
	s.mustRun(0, "once")

	out := s.reconcile(0)
	if out.Status != "clean" || out.Failed != 0 || len(out.Sources) != 2 || out.Sources[0].Rows != 30 || out.Sources[0].Links != 30 || !out.Sources[0].Duplicates {
		t.Errorf("clean run: %+v", out)
	}
	if r := s.mustRun(0, "reconcile"); !strings.Contains(r.stdout, "amicas: clean, 30 portal rows, 30 central links") || !strings.Contains(r.stdout, "total: clean") {
		t.Errorf("text report:\n%s", r.stdout)
	}

	before := s.rows("amicas")[uids[3]]
	testdb.MustExec(t, s.portals["amicas"], "UPDATE fe_users SET tx_keysync_customer_number = 'X-1' WHERE uid = ?", uids[3])
	out = s.reconcile(3)
	if out.Status != "conflicts" || out.Found["number_edited"] != 1 || out.Conflicts["number_mismatch"] != 1 || out.Sources[0].New != 1 {
		t.Errorf("edited number: %+v", out)
	}
	r := s.mustRun(3, "reconcile")
	for _, want := range []string{"amicas: conflicts", "found:     number_edited 1", "conflicts: number_mismatch 1 (0 new)", "club: clean", "keysync reconcile --repair"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
	if out := s.reconcile(0, "--source", "club"); len(out.Sources) != 1 || out.Sources[0].Source != "club" {
		t.Errorf("--source club: %+v", out)
	}
	s.mustRun(2, "reconcile", "--source", "nosuch")

	out = s.reconcile(0, "--repair")
	if !out.Repair || out.Repaired["number_edited"] != 1 || out.Sources[0].Resolved != 1 {
		t.Errorf("repair: %+v", out)
	}
	if got := s.rows("amicas")[uids[3]]; got.number != before.number {
		t.Errorf("number after repair=%q, want %q", got.number, before.number)
	}
	if got := scalar[int](t, s.central, "SELECT COUNT(*) FROM reconciliations WHERE source = 'amicas'"); got != 5 {
		t.Errorf("reconciliations of amicas=%d, want 5", got)
	}

	testdb.MustExec(t, s.portals["club"], "DROP TABLE fe_users")
	out = s.reconcile(1)
	if out.Status != "failed" || out.Failed != 1 || out.Sources[0].Status != "clean" || out.Sources[1].Status != "failed" || out.Sources[1].Error == "" {
		t.Errorf("broken source: %+v", out)
	}
}

// TestReconcile_FullAfterCentralEdit: a central account changed past
// keysync leaves its stored checksum behind, so that a reconciliation by
// checksums cannot see that the portal row no longer matches. doctor finds
// it and names --full, which compares every row and recomputes the
// checksums.
func TestReconcile_FullAfterCentralEdit(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas")
	s.mustRun(0, "migrate")
	uids := s.insertUsers("amicas", 23, 30)
	s.mustRun(0, "once")
	testdb.MustExec(t, s.central, "UPDATE accounts SET number = 'Z-1' WHERE source = 'amicas' AND account_id = ?", uids[4])

	if out := s.reconcile(0); out.Sources[0].RowsWalked != 0 {
		t.Errorf("by checksums: %+v, want nothing walked", out)
	}
	code, rep := s.doctorJSON(s.env)
	f := rep.one(t, "central", "checksums", sqlutil.StatusFail)
	if code != 1 || f.Fix != "keysync reconcile --full" || !strings.Contains(f.Detail, "1 ranges") {
		t.Errorf("doctor: exit %d, %+v", code, f)
	}

	out := s.reconcile(3, "--full")
	if out.Found["number_edited"] != 1 || out.Sources[0].RowsWalked != 30 || out.Sources[0].RowsSummed != 0 {
		t.Errorf("--full: %+v", out)
	}
	if _, rep := s.doctorJSON(s.env); rep.Fail != 0 {
		t.Errorf("doctor after --full: %+v", rep.Findings)
	}
	// Recomputed, the checksums now show the range differs.
	if out := s.reconcile(3); out.Found["number_edited"] != 1 || out.Sources[0].RowsWalked == 0 {
		t.Errorf("by checksums after --full: %+v", out)
	}
}

// TestReconcile_Busy: while another process reconciles a source, a second
// run reports it busy with exit 1 and still reconciles the other sources.
func TestReconcile_Busy(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas", "club")
	s.mustRun(0, "migrate")
	s.insertUsers("amicas", 23, 5)
	s.mustRun(0, "once")

	var dsn string
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, "KEYSYNC_CENTRAL_DSN="); ok {
			dsn = v
		}
	}
	other, err := central.Open(dsn, central.Numbering{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	_, release, err := other.LockReconcile(t.Context(), "amicas")
	if err != nil {
		t.Fatal(err)
	}
	out := s.reconcile(1)
	if out.Sources[0].Status != "failed" || out.Sources[0].Error != reconcile.ErrBusy.Error() || out.Sources[1].Status != "clean" {
		t.Errorf("busy: %+v", out)
	}
	r := s.mustRun(1, "reconcile")
	if !strings.Contains(r.stdout, "amicas: failed: reconciliation already running elsewhere") {
		t.Errorf("text report:\n%s", r.stdout)
	}
	release()
	s.reconcile(0)
}

// TestReconcile_BadSchedule: a schedule that does not parse stops every
// command with exit 2, naming the variable.
func TestReconcile_BadSchedule(t *testing.T) {
	t.Parallel()
	s := newSite(t, "amicas")
	r := s.run(s.with("KEYSYNC_RECONCILE_SCHEDULE=every night"), "reconcile")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `KEYSYNC_RECONCILE_SCHEDULE="every night"`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
