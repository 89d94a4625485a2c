package main

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/lmittmann/tint"
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
		h = tint.NewTextHandler(w, &tint.Options{Level: lv, TimeFormat: time.DateTime})
	case "text":
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})
	default:
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: lv})
	}
	return slog.New(h)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
