package wordpress_test

import (
	"maps"
	"testing"
	"time"

	"keysync/sources/wordpress"
	keysync "keysync/sync"
	"keysync/sync/reconcile"
)

func (h *hub) mustReconcile(tb testing.TB, src keysync.Source, repair bool) reconcile.Report {
	tb.Helper()
	rc := &reconcile.Reconciler{Store: h.Store, BatchSize: 3, ReadSize: 3, Logger: h.Engine.Logger, Now: func() time.Time { return now }}
	rep, err := rc.Run(tb.Context(), keysync.Portal{Source: src, Country: "AT"}, repair)
	if err != nil {
		tb.Fatalf("reconcile (repair %v): %v", repair, err)
	}
	return rep
}

func (h *hub) status(tb testing.TB, id uint64) string {
	tb.Helper()
	var s string
	if err := h.DB.QueryRowContext(tb.Context(), "SELECT status FROM accounts WHERE source = 'blog' AND account_id = ?", id).Scan(&s); err != nil {
		tb.Fatalf("status of %d: %v", id, err)
	}
	return s
}

func nonZero[K comparable](m map[K]int) map[K]int {
	out := map[K]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// TestReconcile_WordPressDrift puts every kind of drift into a numbered
// site's meta and users, reconciles without and with repair, and checks
// the report, the meta and the central record.
func TestReconcile_WordPressDrift(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas {
		t.Run(schema, func(t *testing.T) {
			t.Parallel()
			s := mustSite(t, schema)
			s.mustInsert(t,
				person(1, "Anna", "Gruber", "anna@aon.at"),
				person(2, "Bert", "Huber", "bert@aon.at"),
				person(3, "Clara", "Wagner", "clara@aon.at"),
				person(4, "Dieter", "Pichler", "dieter@aon.at"),
				person(5, "Eva", "Steiner", "eva@aon.at"),
				person(6, "Franz", "Moser", "franz@aon.at"),
				person(7, "Gerda", "Mayer", "gerda@aon.at"),
			)
			h := mustHub(t, nil)
			src := s.open(t, wordpress.Config{})
			h.mustPass(t, src)
			before := map[uint64]keysyncMeta{}
			for id := uint64(1); id <= 7; id++ {
				before[id] = s.keysyncMeta(t, id)
			}

			edited := h.Number(t, 6000)
			free := h.Number(t, 5000)
			meta := func(id uint64, key, v string) {
				if _, err := s.db.ExecContext(t.Context(), "UPDATE "+s.usermeta+" SET meta_value = ? WHERE user_id = ? AND meta_key = ?", v, id, key); err != nil {
					t.Fatal(err)
				}
			}
			exec := func(q string, args ...any) {
				if _, err := s.db.ExecContext(t.Context(), q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec("DELETE FROM "+s.usermeta+" WHERE user_id = 1 AND meta_key = ?", wordpress.DefaultNumberKey) // removed
			meta(2, wordpress.DefaultNumberKey, edited)                                                       // edited
			meta(3, wordpress.DefaultHHKey, "9999999")                                                        // household id edited
			exec("UPDATE " + s.users + " SET user_status = 2 WHERE ID = 4")                                   // not activated any more
			exec("DELETE FROM " + s.users + " WHERE ID = 5")                                                  // removed by wp_delete_user
			exec("DELETE FROM " + s.usermeta + " WHERE user_id = 5")
			wantDeleted := 0
			if s.multisite {
				exec("UPDATE " + s.users + " SET deleted = 1 WHERE ID = 6")
				wantDeleted = 1
			}
			s.mustInsert(t,
				person(20, "Xaver", "Unbekannt", "xaver@aon.at", [2]string{wordpress.DefaultNumberKey, free}),
				person(21, "Zora", "Fremd", "zora@aon.at", [2]string{wordpress.DefaultNumberKey, " " + before[7].Number}),
			)

			rep := h.mustReconcile(t, src, false)
			found := map[reconcile.Drift]int{
				reconcile.DriftNumberRemoved: 1, reconcile.DriftNumberEdited: 1, reconcile.DriftWibisoft: 1,
				reconcile.DriftInactive: 1, reconcile.DriftGone: 1, reconcile.DriftUnknownNumber: 2,
				reconcile.DriftMissingWriteBack: 1, reconcile.DriftDuplicate: 1,
			}
			if s.multisite {
				found[reconcile.DriftDeleted] = 1
			}
			if got := nonZero(rep.Found); !maps.Equal(got, found) {
				t.Errorf("found=%v, want %v", got, found)
			}
			wantConflicts := map[keysync.ConflictKind]int{keysync.ConflictNumberMismatch: 2, keysync.ConflictWibisoftMismatch: 1,
				keysync.ConflictNumberTaken: 1, keysync.ConflictDuplicateNumber: 1}
			if got := nonZero(rep.Conflicts); !maps.Equal(got, wantConflicts) || rep.Status != reconcile.StatusConflicts {
				t.Errorf("conflicts=%v (%s), want %v", got, rep.Status, wantConflicts)
			}
			for id, want := range map[uint64]string{4: "inactive", 5: "gone", 1: "active"} {
				if got := h.status(t, id); got != want {
					t.Errorf("status of %d=%q, want %q", id, got, want)
				}
			}
			if s.multisite {
				if got := h.status(t, 6); got != "deleted" {
					t.Errorf("status of the deleted user=%q", got)
				}
			}
			if got := s.keysyncMeta(t, 1).Number; got != "" {
				t.Errorf("removed number written without repair: %q", got)
			}
			if num, _ := h.link(t, "blog", 20); num != free {
				t.Errorf("free number adopted as %q, want %q", num, free)
			}

			rep = h.mustReconcile(t, src, true)
			repaired := map[reconcile.Drift]int{reconcile.DriftNumberRemoved: 1, reconcile.DriftNumberEdited: 1, reconcile.DriftWibisoft: 1, reconcile.DriftMissingWriteBack: 1}
			if got := nonZero(rep.Repaired); !maps.Equal(got, repaired) {
				t.Errorf("repaired=%v, want %v", got, repaired)
			}
			if rep.Resolved != 3 || rep.NewConflicts != 0 {
				t.Errorf("report with repair=%+v", rep)
			}
			for _, id := range []uint64{1, 2, 3} {
				if got := s.keysyncMeta(t, id); got != before[id] {
					t.Errorf("user %d meta=%+v after repair, want %+v", id, got, before[id])
				}
			}
			if got := s.keysyncMeta(t, 20); got.HH == "" || got.PE == "" || got.Number != free {
				t.Errorf("adopted user's meta=%+v", got)
			}
			if got := s.keysyncMeta(t, 21).Number; got != " "+before[7].Number {
				t.Errorf("a conflicting value was touched: %q", got)
			}
			s.mustNoDuplicateMeta(t)
			if got := h.count(t, "SELECT COUNT(*) FROM events WHERE kind = 'repaired' AND account_id = 2 AND old_value = ?", edited); got != 1 {
				t.Errorf("repaired events keeping the edited number=%d, want 1", got)
			}
			if got := h.count(t, "SELECT COUNT(*) FROM accounts WHERE status = 'deleted'"); got != wantDeleted {
				t.Errorf("deleted accounts=%d, want %d", got, wantDeleted)
			}

			exec("UPDATE " + s.users + " SET user_status = 0 WHERE ID = 4")
			rep = h.mustReconcile(t, src, true)
			if rep.Found[reconcile.DriftReactivated] != 1 || h.status(t, 4) != "active" {
				t.Errorf("after reactivation: %+v, status %q", rep.Found, h.status(t, 4))
			}
		})
	}
}
