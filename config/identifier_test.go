package config

import (
	"strings"
	"testing"
)

func TestValidIdentifier(t *testing.T) {
	good := []string{"fe_users", "_x", "A", "tx_keysync_customer_number", "a" + strings.Repeat("1", 63)}
	bad := []string{"", "1a", "fe users", "fe-users", "db.table", "`x`", "a;b", "ä", "x\n", "a" + strings.Repeat("1", 64)}
	for _, s := range good {
		if !ValidIdentifier(s) {
			t.Errorf("ValidIdentifier(%q)=false, want true", s)
		}
	}
	for _, s := range bad {
		if ValidIdentifier(s) {
			t.Errorf("ValidIdentifier(%q)=true, want false", s)
		}
	}
}
