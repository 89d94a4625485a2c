package central_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"keysync/internal/testdb"
	"keysync/sync/central"
)

func TestStore_Migrate(t *testing.T) {
	t.Parallel()
	f := mustCentral(t, numbering(t))

	if err := f.Store.CheckSchema(t.Context()); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Fatalf("CheckSchema on an empty database=%v, want ErrSchemaOutdated", err)
	}
	applied, err := f.Store.Migrate(t.Context())
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if got, want := applied, allVersions(); !slices.Equal(got, want) {
		t.Fatalf("Migrate applied %v, want %v", got, want)
	}
	if err := f.Store.CheckSchema(t.Context()); err != nil {
		t.Fatalf("CheckSchema after Migrate: %v", err)
	}
	for name, want := range map[string]uint64{"customer": numberStart, "household": hhStart, "person": peStart} {
		if got := f.MustSequence(t, name); got != want {
			t.Errorf("sequence %s=%d, want the configured start %d", name, got, want)
		}
	}
	for _, table := range []string{"persons", "accounts", "households", "events", "conflicts", "source_state"} {
		if got := f.MustCount(t, table, ""); got != 0 {
			t.Errorf("%s holds %d rows after Migrate, want 0", table, got)
		}
	}

	again, err := f.Store.Migrate(t.Context())
	if err != nil || len(again) != 0 {
		t.Fatalf("second Migrate=%v, %v, want nothing applied", again, err)
	}
	if got, want := f.MustCount(t, "keysync_schema", ""), central.SchemaVersion(); got != want {
		t.Errorf("keysync_schema rows=%d, want %d", got, want)
	}
	if err := f.Store.CheckSchema(t.Context()); err != nil {
		t.Errorf("CheckSchema after the second Migrate: %v", err)
	}
}

func TestStore_MigrateKeepsSequences(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	f.mustAssign(t, cands(account(1))...)

	if _, err := f.Store.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if got, want := f.MustSequence(t, "customer"), uint64(numberStart+1); got != want {
		t.Errorf("customer sequence after a second Migrate=%d, want %d (not reset)", got, want)
	}
}

func TestStore_MigrateConcurrent(t *testing.T) {
	t.Parallel()
	f := mustCentral(t, numbering(t))
	stores := []*central.Store{f.Store, f.Open(t)}

	var wg sync.WaitGroup
	applied := make([][]int, len(stores))
	errs := make([]error, len(stores))
	for i, s := range stores {
		wg.Go(func() { applied[i], errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Migrate %d: %v", i, err)
		}
	}
	// Each step is applied once, by whichever came first.
	got := slices.Concat(applied...)
	slices.Sort(got)
	if want := allVersions(); !slices.Equal(got, want) {
		t.Fatalf("applied %v and %v, want %v in all", applied[0], applied[1], want)
	}
	if got, want := f.MustCount(t, "sequences", ""), 3; got != want {
		t.Errorf("sequences rows=%d, want %d", got, want)
	}
	for _, s := range stores {
		if err := s.CheckSchema(t.Context()); err != nil {
			t.Errorf("CheckSchema: %v", err)
		}
	}
}

func TestStore_CheckSchemaNewer(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	testdb.MustExec(t, f.DB, "INSERT INTO keysync_schema (version, applied_at) VALUES (?, ?)", central.SchemaVersion()+1, now)

	err := f.Store.CheckSchema(t.Context())
	if err == nil || errors.Is(err, central.ErrSchemaOutdated) {
		t.Fatalf("CheckSchema with a newer schema=%v, want an error asking for a newer keysync", err)
	}
}

func TestStore_AssignWithoutSchema(t *testing.T) {
	t.Parallel()
	f := mustCentral(t, numbering(t))
	if _, err := f.Store.Assign(t.Context(), source, cands(account(1)), false); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("Assign before Migrate=%v, want ErrSchemaOutdated", err)
	}
	if _, err := f.Store.Watermark(t.Context(), source); !errors.Is(err, central.ErrSchemaOutdated) {
		t.Errorf("Watermark before Migrate=%v, want ErrSchemaOutdated", err)
	}
}

func TestStore_Watermark(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	ctx := t.Context()
	steps := []struct {
		advance uint64
		want    uint64
	}{
		{0, 0}, {10, 10}, {5, 10}, {10, 10}, {20, 20}, {0, 20},
	}
	if got, err := f.Store.Watermark(ctx, source); err != nil || got != 0 {
		t.Fatalf("Watermark of a new source=%d, %v, want 0", got, err)
	}
	for _, s := range steps {
		if err := f.Store.AdvanceWatermark(ctx, source, s.advance); err != nil {
			t.Fatalf("AdvanceWatermark(%d): %v", s.advance, err)
		}
		got, err := f.Store.Watermark(ctx, source)
		if err != nil {
			t.Fatalf("Watermark: %v", err)
		}
		if got != s.want {
			t.Errorf("Watermark after AdvanceWatermark(%d)=%d, want %d", s.advance, got, s.want)
		}
	}
	if got, err := f.Store.Watermark(ctx, "other"); err != nil || got != 0 {
		t.Errorf("Watermark of another source=%d, %v, want 0", got, err)
	}
}

// allVersions lists every schema version, 1 to SchemaVersion.
func allVersions() []int {
	var v []int
	for i := 1; i <= central.SchemaVersion(); i++ {
		v = append(v, i)
	}
	return v
}
