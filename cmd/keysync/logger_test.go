package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	keysync "keysync/sync"
)

// TestLogger_ClipsLongValues: a 70,000-character value from a portal row
// (a conflict's value) no longer makes a 70 KB log line: every format cuts
// it to maxLogValue characters and says how much it cut; errors too.
func TestLogger_ClipsLongValues(t *testing.T) {
	long := strings.Repeat("7", 69_991) + "äöüßé0123"
	for _, format := range []string{"json", "text", "tint"} {
		var buf bytes.Buffer
		log := newLogger(&buf, format, "info")
		log.Warn("conflict recorded", keysync.LogValue, long, keysync.LogErr, errors.New(long), "short", "Anna")
		line := buf.String()
		if len(line) > 3*(maxLogValue+100)+200 {
			t.Errorf("%s: line of %d bytes", format, len(line))
		}
		if !strings.Contains(line, "... [69000 more characters cut]") || !strings.Contains(line, "Anna") {
			t.Errorf("%s: %.300q lacks the cut marker or the short value", format, line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("%s: line is not UTF-8", format)
		}
		if format != "json" {
			continue
		}
		var l map[string]any
		if err := json.Unmarshal(buf.Bytes(), &l); err != nil {
			t.Fatalf("json: %v", err)
		}
		if v := l[keysync.LogValue].(string); utf8.RuneCountInString(v) != maxLogValue+len("... [69000 more characters cut]") {
			t.Errorf("json: value of %d characters", utf8.RuneCountInString(v))
		}
	}
}

// TestLogger_TerminalEscapes: on a terminal (tint) a registrant's escape
// sequence is shown escaped, not run; JSON keeps the exact value.
func TestLogger_TerminalEscapes(t *testing.T) {
	name := "Anna\x1b]0;pwned\x07\x1b[2J\u202eGruber"
	var buf bytes.Buffer
	newLogger(&buf, "tint", "info").Warn("conflict recorded", keysync.LogValue, name)
	if out := buf.String(); strings.Contains(out, "\x1b]0;") || strings.Contains(out, "\x07") || strings.Contains(out, "\u202e") || !strings.Contains(out, `\x1b]0;pwned\x07`) {
		t.Errorf("tint output %q passes the escapes through", out)
	}
	buf.Reset()
	newLogger(&buf, "json", "info").Warn("conflict recorded", keysync.LogValue, name)
	var l map[string]any
	if err := json.Unmarshal(buf.Bytes(), &l); err != nil || l[keysync.LogValue] != name {
		t.Errorf("json value %q, want %q exactly (%v)", l[keysync.LogValue], name, err)
	}
}
