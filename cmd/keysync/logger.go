package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
	"unicode/utf8"

	"github.com/lmittmann/tint"

	"keysync/internal/text"
)

// newLogger builds the process logger: tint's coloured text on a terminal,
// JSON otherwise (journald keeps the fields), or what KEYSYNC_LOG_FORMAT
// forces.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	if format == "auto" {
		format = "json"
		if isTerminal(w) {
			format = "tint"
		}
	}
	var h slog.Handler
	switch format {
	case "tint":
		h = tint.NewTextHandler(w, &tint.Options{Level: lv, TimeFormat: time.DateTime, ReplaceAttr: boundAttr(true)})
	case "text":
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: boundAttr(false)})
	default:
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv, ReplaceAttr: boundAttr(false)})
	}
	return slog.New(h)
}

// maxLogValue is the longest string or error a log line carries, in
// characters. Values come from portal rows (a 70,000-character "number"
// typed into a profile) and must not turn one line into 70 KB of journal.
const maxLogValue = 1000

// boundAttr returns the ReplaceAttr every handler runs on every attribute:
// a string or error value longer than maxLogValue is cut, and says so; with
// printable set (tint's colours on a terminal, which pass escape sequences
// through) control and bidi characters are escaped as well. JSON and slog's
// text format escape them themselves.
func boundAttr(printable bool) func([]string, slog.Attr) slog.Attr {
	return func(_ []string, a slog.Attr) slog.Attr {
		var s string
		switch a.Value.Kind() {
		case slog.KindString:
			s = a.Value.String()
		case slog.KindAny:
			err, ok := a.Value.Any().(error)
			if !ok {
				return a
			}
			s = err.Error()
		default:
			return a
		}
		if n := utf8.RuneCountInString(s); n > maxLogValue {
			s = text.Clip(s, maxLogValue) + fmt.Sprintf("... [%d more characters cut]", n-maxLogValue)
		}
		if printable {
			s = text.Printable(s)
		}
		a.Value = slog.StringValue(s)
		return a
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
