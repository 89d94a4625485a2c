package linkage_test

import (
	"slices"
	"testing"

	"keysync/internal/linkage"
)

func TestPopulation(t *testing.T) {
	t.Parallel()
	const n = 50000
	pop := linkage.Population(4, n)
	if again := linkage.Population(4, n); !slices.EqualFunc(pop, again, func(a, b linkage.Registration) bool { return a.Email == b.Email && a.BirthDate == b.BirthDate }) {
		t.Fatal("the same seed gave another population")
	}
	mails := map[string]bool{}
	surnames := map[string]int{}
	var births, addresses int
	for i, r := range pop {
		if r.PersonID != i+1 || r.AccountID != uint64(i+1) || r.Portal != linkage.PortalAmicas || r.FirstName == "" || r.LastName == "" {
			t.Fatalf("registration %d = %+v", i, r)
		}
		if mails[r.Email] {
			t.Fatalf("%s twice", r.Email)
		}
		mails[r.Email] = true
		surnames[r.LastName]++
		if r.BirthDate != "" {
			births++
		}
		if r.Street != "" && r.Zip != "" && r.City != "" {
			addresses++
		}
	}
	share := func(k int) float64 { return float64(k) / n }
	if b := share(births); b < 0.48 || b > 0.52 {
		t.Errorf("%.3f with a birth date, want half", b)
	}
	if a := share(addresses); a < 0.68 || a > 0.72 {
		t.Errorf("%.3f with an address, want 0.7", a)
	}
	// The long tail: Gruber leads with about 0.28 %, and most surnames
	// are borne by one or two persons only.
	if g := share(surnames["Gruber"]); g < 0.002 || g > 0.0037 {
		t.Errorf("Gruber %.4f, want about 0.0028", g)
	}
	few := 0
	for _, k := range surnames {
		if k <= 2 {
			few++
		}
	}
	if float64(few)/float64(len(surnames)) < 0.6 {
		t.Errorf("%d of %d surnames borne by at most two persons, want most", few, len(surnames))
	}
}
