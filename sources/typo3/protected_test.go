package typo3_test

import (
	"errors"
	"testing"

	"keysync/sources/typo3"
)

// TestNew_RefusesProtectedColumns: whoever builds a source, the
// configuration or a tool, cannot point keysync's writes at TYPO3's own
// columns.
func TestNew_RefusesProtectedColumns(t *testing.T) {
	for _, cfg := range []typo3.Config{
		{Name: "p", NumberColumn: "password"},
		{Name: "p", HHColumn: "usergroup"},
		{Name: "p", PEColumn: "TSconfig"},
	} {
		if _, err := typo3.New(nil, cfg); !errors.Is(err, typo3.ErrProtected) {
			t.Errorf("New(%+v): err=%v, want ErrProtected", cfg, err)
		}
	}
	if _, err := typo3.New(nil, typo3.Config{Name: "p", NumberColumn: "cnum"}); err != nil {
		t.Errorf("New with a column of the site's own: %v", err)
	}
}
