package keysync

import (
	"testing"

	"keysync/sync/match"
)

func TestHouseholdKey(t *testing.T) {
	a := match.ParseAddress("Hauptstraße 10/4/15", "1010", "Wien", "AT", "")
	b := match.ParseAddress("Hauptstr. 10 Stg. 4 Top 15", "A-1010", "Wien", "", "AT")
	if got, want := HouseholdKey(a, "Müller"), "AT|1010|hauptstrasse|10||4|15|mueller"; got != want {
		t.Errorf("HouseholdKey = %q, want %q", got, want)
	}
	if HouseholdKey(a, "Müller") != HouseholdKey(b, "MUELLER") {
		t.Error("same dwelling and surname must share a household")
	}
	if HouseholdKey(a, "Müller") == HouseholdKey(a, "Huber") {
		t.Error("different surnames must not share a household")
	}
	if got := HouseholdKey(a, ""); got != "" {
		t.Errorf("empty surname gives %q", got)
	}
	if got := HouseholdKey(a, "Dr."); got != "" {
		t.Errorf("title-only surname gives %q", got)
	}
	if got := HouseholdKey(match.ParseAddress("Hauptstraße", "1010", "Wien", "AT", ""), "Müller"); got != "" {
		t.Errorf("incomplete address gives %q", got)
	}
}
