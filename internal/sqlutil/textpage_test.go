package sqlutil

import "testing"

func TestTextPage(t *testing.T) {
	var p TextPage
	buf := []byte("D000000017")
	a := p.Add(buf)
	copy(buf, "XXXXXXXXXX") // RawBytes are reused by the next Scan
	b := p.Add(nil)
	c := p.Add([]byte("0000042"))
	p.Done()
	for _, tc := range []struct {
		ref  TextRef
		want string
	}{{a, "D000000017"}, {b, ""}, {c, "0000042"}} {
		if got := p.Text(tc.ref); got != tc.want {
			t.Errorf("Text=%q, want %q", got, tc.want)
		}
	}
}
