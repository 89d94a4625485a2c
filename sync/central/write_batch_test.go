package central

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestGroupsJSON_Bounded: any list of memberships is stored as valid JSON
// of whole entries within the column's budget, and the note says what
// was cut.
func TestGroupsJSON_Bounded(t *testing.T) {
	roles := make([]string, 1000)
	for i := range roles {
		roles[i] = strings.Repeat("r", 200) + string(rune('a'+i%26))
	}
	roles[0] = strings.Repeat("ü", 300)
	list, note := groupsJSON(roles)
	s := list.(string)
	var got []string
	if err := json.Unmarshal([]byte(s), &got); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(s) > maxGroupsJSON || len(got) == 0 || len(got) >= len(roles) {
		t.Errorf("%d bytes, %d entries of %d", len(s), len(got), len(roles))
	}
	if got[0] != strings.Repeat("ü", maxGroupTitle) || got[1] != roles[1] {
		t.Errorf("entries not kept whole or cut to %d characters: %q", maxGroupTitle, got[:2])
	}
	if !strings.Contains(note, "memberships cut: ") || !strings.Contains(note, "of 1000 kept") || !strings.Contains(note, "1 membership titles cut") {
		t.Errorf("note %q", note)
	}
	if list, note := groupsJSON([]string{"Mitglieder", "Vorstand"}); list != `["Mitglieder","Vorstand"]` || note != "" {
		t.Errorf("small list: %v %q", list, note)
	}
	if list, note := groupsJSON(nil); list != nil || note != "" {
		t.Errorf("no groups: %v %q", list, note)
	}
}
