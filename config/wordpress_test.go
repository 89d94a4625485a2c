package config

import (
	"testing"
	"time"
)

func TestLoad_WordPressSource(t *testing.T) {
	c := MustLoad(t, with(map[string]string{
		"KEYSYNC_SOURCE_SHOP_KIND":                "WordPress",
		"KEYSYNC_SOURCE_SHOP_TABLE_PREFIX":        "wpx_",
		"KEYSYNC_SOURCE_SHOP_USERMETA_TABLE":      "members_meta",
		"KEYSYNC_SOURCE_SHOP_AFTER_WRITE":         "wp cache delete {id} user_meta",
		"KEYSYNC_SOURCE_SHOP_AFTER_WRITE_TIMEOUT": "3s",
	}))
	s := c.Sources[0]
	if s.Kind != "wordpress" || s.TablePrefix != "wpx_" || s.UsersTable != "" || s.UsermetaTable != "members_meta" ||
		s.NumberKey != "keysync_customer_number" || s.AfterWriteTimeout != 3*time.Second || s.AfterWrite == "" {
		t.Errorf("source = %+v", s)
	}
}

func TestLoad_WordPressNamesAreIdentifiers(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"KEYSYNC_SOURCE_SHOP_TABLE_PREFIX", "wp-"},
		{"KEYSYNC_SOURCE_SHOP_USERS_TABLE", "users; DROP TABLE x"},
		{"KEYSYNC_SOURCE_SHOP_USERMETA_TABLE", "`meta`"},
		{"KEYSYNC_SOURCE_SHOP_NUMBER_KEY", "customer number"},
		{"KEYSYNC_SOURCE_SHOP_PE_KEY", "keysync_customer_number"},
		{"KEYSYNC_SOURCE_SHOP_AFTER_WRITE_TIMEOUT", "soon"},
	} {
		errs := MustFail(t, with(map[string]string{"KEYSYNC_SOURCE_SHOP_KIND": "wordpress", tc.name: tc.value}))
		if len(errs) == 0 {
			t.Errorf("%s=%q accepted", tc.name, tc.value)
		}
	}
}

func TestLoad_MatchThresholds(t *testing.T) {
	c := MustLoad(t, with(map[string]string{"KEYSYNC_MATCH_SAME": "0.97", "KEYSYNC_MATCH_REVIEW": "0.8", "KEYSYNC_MATCH_NAMES_BITS": "6.5"}))
	if c.MatchSame != 0.97 || c.MatchReview != 0.8 || c.MatchNamesBits != 6.5 {
		t.Errorf("thresholds = %v, %v, %v", c.MatchSame, c.MatchReview, c.MatchNamesBits)
	}
	if d := MustLoad(t, with(nil)); d.MatchNamesBits != 4 {
		t.Errorf("KEYSYNC_MATCH_NAMES_BITS defaults to %v, want 4", d.MatchNamesBits)
	}
	for _, env := range []map[string]string{
		{"KEYSYNC_MATCH_SAME": "1.5"},
		{"KEYSYNC_MATCH_SAME": "high"},
		{"KEYSYNC_MATCH_REVIEW": "0.99"},
		{"KEYSYNC_MATCH_REVIEW": "0"},
		{"KEYSYNC_MATCH_NAMES_BITS": "-1"},
		{"KEYSYNC_MATCH_NAMES_BITS": "NaN"},
		{"KEYSYNC_MATCH_NAMES_BITS": "many"},
	} {
		if errs := MustFail(t, with(env)); len(errs) == 0 {
			t.Errorf("%v accepted", env)
		}
	}
}
