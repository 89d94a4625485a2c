package match

import "testing"

func TestFirstName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hans", "johannes"},
		{"Hansi", "johannes"},
		{"Johann", "johannes"},
		{"Johannes", "johannes"},
		{"Sepp", "josef"},
		{"Seppi", "josef"},
		{"Joseph", "josef"},
		{"Josef", "josef"},
		{"Resi", "theresia"},
		{"Therese", "theresia"},
		{"Franzi", "franziska"},
		{"Hias", "matthias"},
		{"Gretl", "margarethe"},
		{"Margarete", "margarethe"},
		{"Kathi", "katharina"},
		{"Lisi", "elisabeth"},
		{"Liesl", "elisabeth"},
		{"Michi", "michael"},
		{"Toni", "anton"},
		{"Fritz", "friedrich"},
		{"Heinz", "heinrich"},
		{"Wolfi", "wolfgang"},
		{"Steffi", "stefanie"},
		{"Stephanie", "stefanie"},
		{"Flo", "florian"},
		{"Chris", "christian"},
		{"Jörg", "georg"},
		{"Mag. Hans-Peter", "johannes peter"},
		{"Johann Peter", "johannes peter"},
		{"Maria Theresia", "maria theresia"},
		{"Günter", "guenther"},
		{"Lisa", "lisa"},
		{"Klaus", "klaus"},
		{"Hans jun.", "johannes"},
		{"ba gerhard", "gerhard"},
		{"BA Gerhard", "gerhard"},
		{"ma mas Eva", "eva"},
		{"Ma", "ma"},
		{"di gerhard", "di gerhard"},
		{"Phil Peter", "philipp peter"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := FirstName(tt.in); got != tt.want {
			t.Errorf("FirstName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNicknameTable(t *testing.T) {
	if len(nicknameGroups) < 40 {
		t.Errorf("only %d nickname groups", len(nicknameGroups))
	}
	seen := map[string]string{}
	for canon, forms := range nicknameGroups {
		if Name(canon) != canon {
			t.Errorf("canonical %q is not in Name form", canon)
		}
		for _, f := range append([]string{canon}, forms...) {
			if Name(f) != f {
				t.Errorf("form %q is not in Name form", f)
			}
			if other, dup := seen[f]; dup && (other != canon || f != canon) {
				t.Errorf("form %q listed under %q and %q", f, other, canon)
			}
			seen[f] = canon
			if _, isCanon := nicknameGroups[f]; isCanon && f != canon {
				t.Errorf("form %q of %q is itself canonical", f, canon)
			}
		}
	}
}
