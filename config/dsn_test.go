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

		// The driver rejects these; the fallback must still hide the password.
		{"no slash", "user:" + testPassword + "@tcp(db:3306)", "user:xxxxx@tcp(db:3306)"},
		{"unclosed address", "user:" + testPassword + "@tcp(db:3306/app", "user:xxxxx@tcp(db:3306/app"},
		{"slash in password, no slash after", "user:se/cret" + testPassword + "@tcp(db:3306)", "user:xxxxx@tcp(db:3306)"},
		{"parenthesis in password", "user:se(cret" + testPassword + "@tcp(db:3306", "user:xxxxx@tcp(db:3306"},
		{"at sign after the address", "user:" + testPassword + "@tcp(db:3306/app?x=a@b", "user:xxxxx@b"},
		{"driver panics", "user:" + testPassword + "@tcp(db:3306)/app?strict=true", "user:xxxxx@tcp(db:3306)/app?strict=true"},
		{"bad parameter", "user:" + testPassword + "@tcp(db:3306)/app?parseTime=maybe", "user:xxxxx@tcp(db:3306)/app?parseTime=maybe"},
		{"no at sign", "db:3306/app", "db:3306/app"},
		{"no colon", "user@tcp(db:3306", "user@tcp(db:3306"},
		{"garbage", "::@@//((", ":xxxxx@//(("},
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
		{"no slash", "user:pw@tcp(db:3306)", "missing the slash"},
		{"panic", "user:pw@tcp(db:3306)/app?strict=true", "strict mode has been removed"},
		{"detail quoting the password is withheld", "u:" + testPassword + "/x@y", "withheld"},
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
