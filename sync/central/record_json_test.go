package central

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	keysync "keysync/sync"
)

// referenceJSON is what a record's JSON was before MarshalJSON wrote it by
// hand: encoding/json over a map of arrays. Stored records must read the
// same either way, and equal records must keep equal texts.
func referenceJSON(r record) string {
	m := make(map[string][4]any, len(r))
	for f, e := range r {
		m[string(f)] = [4]any{e.Value, e.Source, e.ID, e.At.UTC().Format(time.RFC3339Nano)}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// sampleRecord is a new person's record as a rollout writes it.
func sampleRecord(value string) record {
	at := time.Date(2026, 12, 4, 23, 5, 1, 123456000, time.UTC)
	r := record{}
	for i, f := range keysync.Fields {
		r[f] = entry{Value: value, Source: "amicas", ID: uint64(4711 + i), At: at}
	}
	r[keysync.FieldFirstName] = entry{Value: "Jürgen", Source: "club", ID: 18446744073709551615, At: at.In(time.FixedZone("CET", 3600))}
	r[keysync.FieldBirthDate] = entry{At: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	return r
}

func TestRecord_MarshalsAsEncodingJSON(t *testing.T) {
	for _, v := range []string{
		"", "Anna-Maria Gruber", "Straße 1/2/3", `quote " and backslash \ `, "<b>Tom & Jerry</b>",
		"tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f", "invalid \xff\xfe utf-8 \xc3", "sep\u2028par\u2029end",
		"emoji 👩‍👩‍👧 and 中文", "\u00e9\u0301", "\ufffd literal",
	} {
		r := sampleRecord(v)
		if got, want := r.text(), referenceJSON(r); got != want {
			t.Errorf("value %q:\n got %s\nwant %s", v, got, want)
		}
		back, err := parseRecord(r.text())
		if err != nil {
			t.Fatalf("value %q: %v", v, err)
		}
		if utf8.ValidString(v) && back.text() != r.text() {
			t.Errorf("value %q: read back as %s", v, back.text())
		}
	}
	if got := (record{}).text(); got != "{}" {
		t.Errorf("empty record: %s", got)
	}
}

func FuzzRecordJSON(f *testing.F) {
	for _, s := range []string{"", "Gruber", "<&>", "\xff", "\u2028", "a\"b\\c\x01"} {
		f.Add(s, s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, value, source string, id uint64) {
		r := record{keysync.FieldCity: {Value: value, Source: source, ID: id, At: time.Unix(int64(id%4e9), int64(id%1e9)).UTC()},
			keysync.FieldEmail: {Value: source, Source: value}}
		if got, want := r.text(), referenceJSON(r); got != want {
			t.Fatalf("got %s\nwant %s", got, want)
		}
	})
}

// BenchmarkRecordText writes a new person's record both ways, in the same
// run: the hand-written encoder against encoding/json.
func BenchmarkRecordText(b *testing.B) {
	r := sampleRecord("Hauptstraße 12")
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = referenceJSON(r)
		}
	})
	b.Run("record", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = r.text()
		}
	})
}
