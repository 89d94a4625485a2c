package wordpress

import (
	"log/slog"
	"strings"
	"testing"

	keysync "keysync/sync"
)

// FuzzApplyMeta feeds one meta row of any key and value, as a plugin or an
// admin may have written it, into an account: it never panics, only
// capabilities keys yield roles, roles of other sites carry their site,
// and the values keysync reads are trimmed.
func FuzzApplyMeta(f *testing.F) {
	src, err := New(nil, Config{Name: "blog", TablePrefix: "wpx_", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	for _, kv := range [][2]string{
		{"first_name", " Anna "},
		{"wpx_capabilities", `a:1:{s:10:"subscriber";b:1;}`},
		{"wpx_2_capabilities", `a:2:{s:6:"editor";b:1;s:6:"author";i:0;}`},
		{"wpx_x_capabilities", `a:1:{s:6:"editor";b:1;}`},
		{"wpx__capabilities", `a:1:{s:6:"editor";b:1;}`},
		{"wp_capabilities", `a:1:{s:6:"editor";b:1;}`},
		{DefaultNumberKey, "\t000000013\n"},
		{"billing_city", "Wien"},
	} {
		f.Add(kv[0], kv[1])
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		var a keysync.Account
		src.applyMeta(&a, key, value)
		site, caps := capabilitiesSite(key, "wpx_")
		if !caps && len(a.Groups) > 0 {
			t.Fatalf("key %q is no capabilities key but gave roles %q", key, a.Groups)
		}
		if caps && site != "" && (strings.Trim(site, "0123456789") != "" || key != "wpx_"+site+"_capabilities") {
			t.Fatalf("key %q read as site %q", key, site)
		}
		for _, g := range a.Groups {
			if site != "" && !strings.HasPrefix(g, "site"+site+":") {
				t.Fatalf("role %q of key %q lacks its site", g, key)
			}
		}
		for _, v := range []string{a.FirstName, a.LastName, a.Street, a.Zip, a.City, a.Country, a.Number, a.HH, a.PE} {
			if v != strings.TrimSpace(v) {
				t.Fatalf("value %q of key %q is not trimmed", v, key)
			}
		}
	})
}
