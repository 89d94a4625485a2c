package config

import (
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"empty", "", ""},
		{"tcp", "user:" + testPassword + "@tcp(db:3306)/app", "user:xxxxx@tcp(db:3306)/app"},
		{"no password", "user@tcp(db:3306)/app", "user@tcp(db:3306)/app"},
		{"empty password", "user:@tcp(db:3306)/app", "user@tcp(db:3306)/app"},
		{"no user", ":" + testPassword + "@tcp(db:3306)/app", "tcp(db:3306)/app"},
		{"default address", "user:" + testPassword + "@/app", "user:xxxxx@tcp(127.0.0.1:3306)/app"},
		{"unix socket", "user:" + testPassword + "@unix(/run/mysqld/mysqld.sock)/app", "user:xxxxx@unix(/run/mysqld/mysqld.sock)/app"},
		{"params kept", "user:" + testPassword + "@tcp(db:3306)/app?parseTime=true&charset=utf8mb4",
			"user:xxxxx@tcp(db:3306)/app?charset=utf8mb4&parseTime=true"},
		{"password with separators", "user:p@ss/w(r:d)@tcp(db:3306)/app", "user:xxxxx@tcp(db:3306)/app"},
		{"password with query characters", "user:a?b=c&d%e@tcp(db:3306)/app", "user:xxxxx@tcp(db:3306)/app"},
		{"user with password and at sign in params", "user:" + testPassword + "@tcp(db:3306)/app?x=a@b", "user:xxxxx@tcp(db:3306)/app?x=a%40b"},

		// The driver rejects these: nothing of them is shown.
		{"no slash", "user:" + testPassword + "@tcp(db:3306)", notShown},
		{"unclosed address", "user:" + testPassword + "@tcp(db:3306/app", notShown},
		{"slash in password, no slash after", "user:se/cret" + testPassword + "@tcp(db:3306)", notShown},
		{"driver panics", "user:" + testPassword + "@tcp(db:3306)/app?strict=true", notShown},
		{"bad parameter", "user:" + testPassword + "@tcp(db:3306)/app?parseTime=maybe", notShown},
		{"only a password", testPassword, notShown},
		{"garbage", "::@@//((", notShown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RedactDSN(tt.dsn)
			if got != tt.want {
				t.Errorf("RedactDSN(%q)=%q, want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, testPassword) || strings.Contains(got, "cret") {
				t.Errorf("RedactDSN(%q)=%q leaks the password", tt.dsn, got)
			}
		})
	}
}

func TestCheckDSN(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"valid", "user:pw@tcp(db:3306)/app", ""},
		{"no database", "user:pw@tcp(db:3306)/", "names no database"},
		{"no slash", "user:pw@tcp(db:3306)", "it has no /dbname"},
		{"panic", "user:pw@tcp(db:3306)/app?strict=true", "strict mode has been removed"},
		{"only a password", testPassword, "it has no user:password@ and no /dbname"},
		{"unclosed address", "u:" + testPassword + "@tcp(db:3306/app", "network address not terminated"},
		{"driver detail quoting the password is withheld", "u:" + testPassword + "/x@y", "a parameter or the address is malformed"},
		{"unsafe charset", "u:" + testPassword + "@tcp(db:3306)/app?charset=sjis", "charset=sjis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checkDSN(tt.dsn)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("checkDSN(%q)=%q, want %q", tt.dsn, got, tt.want)
			}
			if strings.Contains(got, testPassword) {
				t.Errorf("checkDSN(%q)=%q leaks the password", tt.dsn, got)
			}
		})
	}
}

func FuzzRedactDSN(f *testing.F) {
	for _, seed := range []struct{ pass, params string }{
		{testPassword, "parseTime=true"},
		{"p?ss=word&x", ""},
		{"tcp)x%41", "timeout=5s&loc=Local"},
		{"Zz9)\\n\t", "strict=true"},
		{"host3306", "x=a@b/c(d"},
		{"abcd", "parseTime=maybe"},
		{"wxyz", "tls=custom"},
	} {
		f.Add(seed.pass, seed.params)
	}
	const otherPass = "Qv7Kw3Jm"
	build := func(pass, params string) string {
		return "user:" + pass + "@tcp(host:3306)/db?" + params
	}
	f.Fuzz(func(t *testing.T, pass, params string) {
		if len(pass) < 4 || strings.ContainsAny(pass, "@/(:") {
			t.Skip()
		}
		dsn := build(pass, params)
		ref := build(otherPass, params)
		got, want := RedactDSN(dsn), RedactDSN(ref)
		if strings.Contains(want, pass) || strings.Contains(checkDSN(ref), pass) {
			t.Skip() // the password also occurs elsewhere in the DSN or the message
		}
		if strings.Contains(got, pass) {
			t.Fatalf("RedactDSN(%q)=%q leaks the password", dsn, got)
		}
		if got != want {
			t.Fatalf("RedactDSN depends on the password: %q for %q, %q for %q", got, dsn, want, ref)
		}
		if reason := checkDSN(dsn); strings.Contains(reason, pass) {
			t.Fatalf("checkDSN(%q)=%q leaks the password", dsn, reason)
		}
	})
}

// FuzzCheckDSN: whatever a DSN variable or file holds, a DSN the driver
// rejects is described in a handful of fixed words and shown as notShown,
// so no part of it (a password typed alone, say) reaches a message.
func FuzzCheckDSN(f *testing.F) {
	for _, seed := range []string{
		testPassword, "Sup3rS3cret!", "u:p@tcp(h:3306)/db", "u:p@tcp(h:3306", "u:p@tcp(h:3306)/db?strict=true",
		"u:p@tcp(h:3306)/db?parseTime=maybe", "u:p@x(y)/db", "p/w?parseTime=s3cret", "u:p@tcp(h)/db?charset=gbk", "",
	} {
		f.Add(seed)
	}
	fixed := map[string]bool{"a parameter or the address is malformed": true}
	for _, m := range driverMessages {
		fixed[m] = true
	}
	for _, m := range []string{"no user:password@", "no /dbname", "no user:password@ and no /dbname"} {
		fixed["it has "+m] = true
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		reason, shown := checkDSN(dsn), RedactDSN(dsn)
		if _, err := parseDSN(dsn); err == nil {
			return
		}
		if shown != notShown {
			t.Fatalf("RedactDSN(%q)=%q, want %q", dsn, shown, notShown)
		}
		detail, ok := strings.CutPrefix(reason, "not a valid DSN (")
		detail, ok2 := strings.CutSuffix(detail, "); "+dsnShape)
		if !ok || !ok2 || !fixed[detail] {
			t.Fatalf("checkDSN(%q)=%q, want one of the fixed descriptions", dsn, reason)
		}
	})
}
