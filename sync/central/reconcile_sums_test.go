package central_test

import (
	"sync"
	"testing"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// TestSums_WrittenTwiceInOneCall: an account listed twice in one Written,
// in different chunks of its reads, is counted once.
func TestSums_WrittenTwiceInOneCall(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	const n = 1001
	all := make([]keysync.Account, n)
	for i := range all {
		all[i] = account(uint64(i + 1))
	}
	out := f.mustAssign(t, cands(all...)...)
	// The copies are written by Written only when Assign did not (a person
	// without ids): clear them so that Written changes every hash.
	f.EditAccounts(t, "UPDATE accounts SET hh_id_copy = NULL, pe_id_copy = NULL, copied_from = NULL")
	if err := f.Store.Written(t.Context(), source, append(out, out[0])); err != nil {
		t.Fatalf("Written: %v", err)
	}
	f.wantSums(t)
}

// TestSums_RebuildAndCheckBesideWriters: RebuildSums and CheckSums run
// while two stores assign and mark written in other goroutines: nothing
// deadlocks or fails, and CheckSums never reports a range out of step,
// as the writers change accounts and sums together.
func TestSums_RebuildAndCheckBesideWriters(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	second := f.Open(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w, st := range []*central.Store{f.Store, second} {
		wg.Go(func() {
			for i := range 20 {
				var batch []keysync.Candidate
				for k := range 30 {
					batch = append(batch, cand(account(uint64(w*10000+i*30+k+1))))
				}
				out, err := st.Assign(t.Context(), source, batch, false)
				if err == nil {
					err = st.Written(t.Context(), source, out)
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	for range 10 {
		if err := f.Store.RebuildSums(t.Context()); err != nil {
			t.Errorf("RebuildSums beside writers: %v", err)
		}
		bad, err := f.Store.CheckSums(t.Context())
		if err != nil || len(bad) > 0 {
			t.Errorf("CheckSums beside writers: %v, %v", bad, err)
		}
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	f.wantSums(t)
}
