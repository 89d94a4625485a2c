package central_test

import (
	"slices"
	"sync"
	"testing"

	keysync "keysync/sync"
	"keysync/sync/central"
)

// TestStore_AssignConcurrentDaemons runs Assign from two stores (two pools,
// like two daemons) in eight goroutines over overlapping batches of the same
// source. Guarantees 1 and 2 must hold whatever the interleaving.
func TestStore_AssignConcurrentDaemons(t *testing.T) {
	t.Parallel()
	f := mustStore(t)
	stores := []*central.Store{f.Store, f.Open(t)}
	const accounts, workers, span = 40, 8, 15
	all := make([]keysync.Account, accounts)
	for i := range all {
		all[i] = account(uint64(i + 1))
	}

	var wg sync.WaitGroup
	errs := make([]error, workers)
	outs := make([][]keysync.Outcome, workers)
	for w := range workers {
		// Each worker takes fifteen accounts starting five after the
		// previous one's, wrapping around, half of them backwards.
		batch := make([]keysync.Candidate, 0, span)
		for k := range span {
			batch = append(batch, cand(all[(w*5+k)%accounts]))
		}
		if w%2 == 1 {
			slices.Reverse(batch)
		}
		store := stores[w%len(stores)]
		wg.Go(func() { outs[w], errs[w] = store.Assign(t.Context(), source, batch, false) })
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: Assign: %v", w, err)
		}
	}

	// Every outcome of an account names the same number.
	numbers := map[uint64]string{}
	for _, out := range outs {
		for _, o := range out {
			if o.Action != keysync.ActionNew && o.Action != keysync.ActionKeep {
				t.Errorf("account %d: Action=%v, want new or keep", o.Account.ID, o.Action)
			}
			if prev, ok := numbers[o.Account.ID]; ok && prev != o.Number {
				t.Errorf("account %d got %q and %q", o.Account.ID, prev, o.Number)
			}
			numbers[o.Account.ID] = o.Number
		}
	}
	if got, want := f.MustCount(t, "accounts", "source = ?", source), accounts; got != want {
		t.Errorf("linked accounts=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "(SELECT DISTINCT number FROM accounts) d", ""), accounts; got != want {
		t.Errorf("distinct linked numbers=%d, want %d", got, want)
	}
	if got, want := f.MustCount(t, "persons", ""), accounts; got != want {
		t.Errorf("persons=%d, want %d: one per account, none orphaned", got, want)
	}
	if got, want := f.MustCount(t, "persons p", "NOT EXISTS (SELECT 1 FROM accounts a WHERE a.number = p.number)"), 0; got != want {
		t.Errorf("persons without an account=%d, want %d", got, want)
	}
	// The sequences moved by exactly one value per person: no batch that
	// lost a race consumed a value, none was handed out twice.
	for name, start := range map[string]uint64{"customer": numberStart, "person": peStart} {
		if got, want := f.MustSequence(t, name), start+accounts; got != want {
			t.Errorf("%s sequence at %d, want %d: one value per person", name, got, want)
		}
	}
	if got, want := f.MustCount(t, "persons", "pe_id IS NULL OR hh_id IS NULL"), 0; got != want {
		t.Errorf("persons without Wibisoft ids=%d, want %d", got, want)
	}
	for id, n := range numbers {
		if got := f.Linked(t, source, id); got != n {
			t.Errorf("account %d linked to %q, outcome said %q", id, got, n)
		}
		if err := f.Num.Number.Validate(n); err != nil {
			t.Errorf("account %d: %q does not validate: %v", id, n, err)
		}
	}
	// No gaps: the sequence moved by exactly the numbers handed out.
	if got, want := f.MustSequence(t, "customer"), uint64(numberStart+accounts); got != want {
		t.Errorf("customer sequence=%d, want %d", got, want)
	}
}
