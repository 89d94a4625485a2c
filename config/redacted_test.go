package config

import (
	"slices"
	"strings"
	"testing"
)

func TestRedacted(t *testing.T) {
	c := MustLoad(t, with(map[string]string{
		"KEYSYNC_POLL_INTERVAL":    "10s",
		"KEYSYNC_BACKOFF_MAX":      "300s",
		"KEYSYNC_SOURCE_SHOP_PIDS": "3,4",
		"KEYSYNC_FORGET_AFTER":     "17520h",
	}))
	got := c.Redacted()
	values := map[string]Setting{}
	for _, s := range got {
		if strings.Contains(s.Value, testPassword) {
			t.Errorf("%s=%q leaks the password", s.Var, s.Value)
		}
		values[s.Var] = s
	}
	want := []Setting{
		{Var: "KEYSYNC_CENTRAL_DSN", Value: "keysync:xxxxx@tcp(db.example:3306)/keysync"},
		{Var: "KEYSYNC_SOURCES", Value: "shop"},
		{Var: "KEYSYNC_POLL_INTERVAL", Value: "10s"},
		{Var: "KEYSYNC_BACKOFF_MAX", Value: "5m", Default: true},
		{Var: "KEYSYNC_NUMBER_FORMAT", Value: "{seq:8}{check}", Default: true},
		{Var: "KEYSYNC_HH_FORMAT", Value: "{seq:7}", Default: true},
		{Var: "KEYSYNC_BATCH_SIZE", Value: "500", Default: true},
		{Var: "KEYSYNC_FORGET_AFTER", Value: "730d"},
		{Var: "KEYSYNC_SOURCE_SHOP_DSN", Value: "typo3:xxxxx@tcp(db.example:3306)/typo3"},
		{Var: "KEYSYNC_SOURCE_SHOP_PIDS", Value: "3,4"},
		{Var: "KEYSYNC_SOURCE_SHOP_TABLE", Value: "fe_users", Default: true},
		{Var: "KEYSYNC_SOURCE_SHOP_COUNTRY", Value: "", Default: true},
	}
	for _, w := range want {
		if g := values[w.Var]; g != w {
			t.Errorf("setting %+v, want %+v", g, w)
		}
	}
	if first := got[0].Var; first != "KEYSYNC_CENTRAL_DSN" {
		t.Errorf("first setting is %s, want KEYSYNC_CENTRAL_DSN", first)
	}
	if again := c.Redacted(); !slices.Equal(got, again) {
		t.Errorf("Redacted is not stable:\n%v\n%v", got, again)
	}
}

func TestRedacted_CoversEveryVariable(t *testing.T) {
	c := MustLoad(t, validEnv())
	var got []string
	for _, s := range c.Redacted() {
		got = append(got, s.Var)
	}
	var want []string
	// A typo3 source lists the common and the typo3 settings.
	for _, v := range append(globalVariables(), sourceVariables("shop")...) {
		if !strings.HasSuffix(v.Name, "_DSN"+fileSuffix) && !strings.HasPrefix(v.Desc, "wordpress:") {
			want = append(want, v.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Redacted lists\n%q\nwant, in Usage order,\n%q", got, want)
	}
}

func TestRedacted_WordPressSource(t *testing.T) {
	env := validEnv()
	env["KEYSYNC_SOURCE_SHOP_KIND"] = "wordpress"
	env["KEYSYNC_SOURCE_SHOP_TABLE_PREFIX"] = "wpx_"
	c := MustLoad(t, env)
	var got []string
	values := map[string]string{}
	for _, s := range c.Redacted() {
		got = append(got, s.Var)
		values[s.Var] = s.Value
	}
	var want []string
	for _, v := range append(globalVariables(), sourceVariables("shop")...) {
		if !strings.HasSuffix(v.Name, "_DSN"+fileSuffix) && !strings.HasPrefix(v.Desc, "typo3:") {
			want = append(want, v.Name)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Redacted lists\n%q\nwant\n%q", got, want)
	}
	if values["KEYSYNC_SOURCE_SHOP_TABLE_PREFIX"] != "wpx_" || values["KEYSYNC_SOURCE_SHOP_NUMBER_KEY"] != "keysync_customer_number" {
		t.Errorf("wordpress settings: %v", values)
	}
}
