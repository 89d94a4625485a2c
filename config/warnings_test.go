package config

import (
	"slices"
	"strings"
	"testing"
)

func TestLoad_Warnings(t *testing.T) {
	c := MustLoad(t, with(map[string]string{
		"KEYSYNC_POLL_INTERVALL":       "10s",
		"KEYSYNC_SOURCE_BLOG_KIND":     "typo3",
		"KEYSYNC_SOURCE_MY_BLOG_DSN":   "x",
		"KEYSYNC_SOURCE_SHOP_TABEL":    "fe_users",
		"keysync_sources":              "shop",
		"KEYSYNC_TEST_DSN":             "ignored",
		"KEYSYNC_BENCH_ROWS":           "ignored",
		"KEYSYNC_SOURCE_SHOP_DSN_FILE": "",
		"KEYSYNC_SOURCE_SHOP_COUNTRY":  "DE",
	}))
	want := []string{
		`KEYSYNC_POLL_INTERVALL is set, but keysync does not read it (a typo?)`,
		`KEYSYNC_SOURCE_BLOG_KIND is set, but "blog" is not listed in KEYSYNC_SOURCES`,
		`KEYSYNC_SOURCE_MY_BLOG_DSN is set, but "my_blog" is not listed in KEYSYNC_SOURCES`,
		`KEYSYNC_SOURCE_SHOP_TABEL is set, but keysync does not read it (a typo?)`,
		`keysync_sources is set, but keysync does not read it (a typo?)`,
	}
	if !slices.Equal(c.Warnings, want) {
		t.Errorf("Warnings=\n%s\nwant\n%s", strings.Join(c.Warnings, "\n"), strings.Join(want, "\n"))
	}
}

func TestUnusedVariables_SourceOrder(t *testing.T) {
	env := []string{"KEYSYNC_SOURCE_A_KIND_DSN=x", "KEYSYNC_SOURCE_A_KIND=typo3", "PATH=/bin", "KEYSYNC_SOURCE__KIND=x"}
	got := unusedVariables(env, []string{"a_kind"}, nil)
	want := []string{
		`KEYSYNC_SOURCE_A_KIND is set, but "a" is not listed in KEYSYNC_SOURCES`,
		`KEYSYNC_SOURCE__KIND is set, but keysync does not read it (a typo?)`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("unusedVariables=%q, want %q", got, want)
	}
}
