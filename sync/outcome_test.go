package keysync

import "testing"

func TestOutcome_Write(t *testing.T) {
	t.Parallel()
	empty := Account{ID: 7}
	filled := Account{ID: 7, Number: "000000013", HH: "0000001", PE: "00000001"}
	cases := []struct {
		name string
		o    Outcome
		want Write
		ok   bool
	}{
		{"new person, empty row", Outcome{Account: empty, Action: ActionNew, Number: "000000013", HH: "0000001", PE: "00000001"},
			Write{ID: 7, Number: "000000013", HH: "0000001", PE: "00000001"}, true},
		{"adopted number, ids missing", Outcome{Account: Account{ID: 7, Number: "000000013"}, Action: ActionAdopt, Number: "000000013", HH: "0000001", PE: "00000001"},
			Write{ID: 7, HH: "0000001", PE: "00000001"}, true},
		{"linked, Wibisoft ids already there", Outcome{Account: Account{ID: 7, HH: "0000009", PE: "00000009"}, Action: ActionLink, Number: "000000013", HH: "0000001", PE: "00000001"},
			Write{ID: 7, Number: "000000013"}, true},
		{"kept, row complete", Outcome{Account: filled, Action: ActionKeep, Number: "000000013", HH: "0000001", PE: "00000001"}, Write{}, false},
		// A row holding another number is never overwritten.
		{"kept, row holds another number", Outcome{Account: Account{ID: 7, Number: "000000021"}, Action: ActionKeep, Number: "000000013", HH: "0000001", PE: "00000001"},
			Write{ID: 7, HH: "0000001", PE: "00000001"}, true},
		{"conflict", Outcome{Account: empty, Action: ActionConflict}, Write{}, false},
		{"conflict that names a number", Outcome{Account: empty, Action: ActionConflict, Number: "000000013"}, Write{}, false},
		{"skipped", Outcome{Account: empty, Action: ActionSkip}, Write{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tc.o.Write()
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("Write=%+v, %v, want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAction_String(t *testing.T) {
	t.Parallel()
	for a, want := range map[Action]string{ActionSkip: "skip", ActionKeep: "keep", ActionLink: "link", ActionAdopt: "adopt", ActionNew: "new", ActionConflict: "conflict", Action(42): "unknown"} {
		if got := a.String(); got != want {
			t.Errorf("Action(%d).String()=%q, want %q", int(a), got, want)
		}
	}
}

func TestCounts_Add(t *testing.T) {
	t.Parallel()
	c := Counts{Assigned: 1, Adopted: 2, Linked: 3, Written: 4, Conflicts: 5, Skipped: 6, Errors: 7, Changed: 8}
	c.Add(Counts{Assigned: 10, Adopted: 20, Linked: 30, Written: 40, Conflicts: 50, Skipped: 60, Errors: 70, Changed: 80})
	if want := (Counts{11, 22, 33, 44, 55, 66, 77, 88}); c != want {
		t.Errorf("Counts=%+v, want %+v", c, want)
	}
}
