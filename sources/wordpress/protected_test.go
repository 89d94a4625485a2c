package wordpress_test

import (
	"errors"
	"testing"

	"keysync/sources/wordpress"
)

// TestNew_RefusesProtectedKeys: whoever builds a source cannot point
// keysync's writes at WordPress's own meta keys.
func TestNew_RefusesProtectedKeys(t *testing.T) {
	for _, cfg := range []wordpress.Config{
		{Name: "p", NumberKey: "wp_capabilities"},
		{Name: "p", HHKey: "session_tokens"},
		{Name: "p", PEKey: "first_name"},
		{Name: "p", TablePrefix: "wpx_", NumberKey: "wpx_3_user_level"},
	} {
		if _, err := wordpress.New(nil, cfg); !errors.Is(err, wordpress.ErrProtected) {
			t.Errorf("New(%+v): err=%v, want ErrProtected", cfg, err)
		}
	}
	if _, err := wordpress.New(nil, wordpress.Config{Name: "p", NumberKey: "mitgliedsnummer"}); err != nil {
		t.Errorf("New with a key of the site's own: %v", err)
	}
}
