package config

import (
	"strings"
	"testing"
)

// TestLoad_ProtectedTargets: a portal's own columns and meta keys are
// refused as targets of keysync's writes, naming the variable; the
// settings of the other kind are not looked at.
func TestLoad_ProtectedTargets(t *testing.T) {
	tests := []struct {
		kind, suffix, value string
		refused             bool
	}{
		{"typo3", "_NUMBER_COLUMN", "password", true},
		{"typo3", "_NUMBER_COLUMN", "Password", true},
		{"typo3", "_HH_COLUMN", "usergroup", true},
		{"typo3", "_PE_COLUMN", "username", true},
		{"typo3", "_NUMBER_COLUMN", "email", true},
		{"typo3", "_NUMBER_COLUMN", "uid", true},
		{"typo3", "_NUMBER_COLUMN", "cnum", false},
		{"typo3", "_NUMBER_COLUMN", "tx_myext_customer_number", false},
		{"typo3", "_NUMBER_KEY", "first_name", false}, // a WordPress setting
		{"wordpress", "_NUMBER_KEY", "wp_capabilities", true},
		{"wordpress", "_NUMBER_KEY", "wp_2_capabilities", true},
		{"wordpress", "_HH_KEY", "wp_user_level", true},
		{"wordpress", "_PE_KEY", "session_tokens", true},
		{"wordpress", "_NUMBER_KEY", "first_name", true},
		{"wordpress", "_NUMBER_KEY", "Last_Name", true},
		{"wordpress", "_NUMBER_KEY", "nickname", true},
		{"wordpress", "_NUMBER_KEY", "description", true},
		{"wordpress", "_NUMBER_KEY", "rich_editing", true},
		{"wordpress", "_NUMBER_KEY", "user_pass", true},
		{"wordpress", "_NUMBER_KEY", "billing_postcode", true},
		{"wordpress", "_NUMBER_KEY", "mitgliedsnummer", false},
		{"wordpress", "_NUMBER_COLUMN", "password", false}, // a TYPO3 setting
	}
	for _, tt := range tests {
		t.Run(tt.kind+tt.suffix+"="+tt.value, func(t *testing.T) {
			v := "KEYSYNC_SOURCE_SHOP" + tt.suffix
			env := with(map[string]string{"KEYSYNC_SOURCE_SHOP_KIND": tt.kind, v: tt.value})
			if !tt.refused {
				MustLoad(t, env)
				return
			}
			e := findError(MustFail(t, env), v)
			if e == nil || e.Value != tt.value || !strings.Contains(e.Reason, "keysync writes only into columns or meta keys of its own") {
				t.Fatalf("error=%v, want one refusing %s=%s", e, v, tt.value)
			}
		})
	}
}
