package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type printableInner struct {
	Name  string
	Notes []string
}

type printableOuter struct {
	Title   string
	Inner   printableInner
	Ptr     *printableInner
	ByKey   map[string]string
	Any     any
	When    time.Time
	Count   int
	private string
}

// TestPrintable_DeepCopy: every string at any depth is escaped, the
// original stays untouched, and what is not a string is kept.
func TestPrintable_DeepCopy(t *testing.T) {
	const esc = "a\x1b[2Jb"
	when := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	in := printableOuter{Title: esc, Inner: printableInner{Name: esc, Notes: []string{esc, "ok"}},
		Ptr: &printableInner{Name: esc}, ByKey: map[string]string{esc: esc}, Any: esc, When: when, Count: 3, private: esc}
	out := printable(in)
	all := []string{out.Title, out.Inner.Name, out.Inner.Notes[0], out.Ptr.Name, out.ByKey[`a\x1b[2Jb`], out.Any.(string)}
	for i, s := range all {
		if s != `a\x1b[2Jb` {
			t.Errorf("string %d = %q, want it escaped", i, s)
		}
	}
	if out.Inner.Notes[1] != "ok" || !out.When.Equal(when) || out.Count != 3 || out.private != esc {
		t.Errorf("non-strings or clean strings changed: %+v", out)
	}
	if in.Title != esc || in.Inner.Notes[0] != esc || in.Ptr.Name != esc || in.ByKey[esc] != esc {
		t.Errorf("the original changed: %+v", in)
	}
	if got := printable([]printableInner(nil)); got != nil {
		t.Errorf("nil slice became %v", got)
	}
	var e error = errors.New(esc)
	if got := printable(e); !strings.Contains(got.Error(), esc) {
		t.Errorf("an error value is kept as it is (its text is no field): %q", got.Error())
	}
}
