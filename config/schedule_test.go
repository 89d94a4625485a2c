package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestLoad_ReconcileSchedule: the default runs at 03:00, an empty value
// turns the schedule off, and every cron form robfig/cron takes is taken.
func TestLoad_ReconcileSchedule(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"default", unset, "0 3 * * *"},
		{"off", "", ""},
		{"five fields", "30 2 * * 1-5", "30 2 * * 1-5"},
		{"descriptor", "@daily", "@daily"},
		{"every", "@every 6h", "@every 6h"},
		{"time zone", "CRON_TZ=Europe/Vienna 0 3 * * *", "CRON_TZ=Europe/Vienna 0 3 * * *"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			MustEnv(t, with(map[string]string{varReconcileSchedule: tc.value}))
			c, err := Load()
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.ReconcileSchedule != tc.want {
				t.Errorf("ReconcileSchedule=%q, want %q", c.ReconcileSchedule, tc.want)
			}
			if tc.want == "" {
				return
			}
			s, err := ParseSchedule(c.ReconcileSchedule)
			if err != nil {
				t.Fatalf("ParseSchedule(%q): %v", c.ReconcileSchedule, err)
			}
			from := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
			if next := s.Next(from); !next.After(from) {
				t.Errorf("next run %v is not after %v", next, from)
			}
		})
	}
}

func TestLoad_BadReconcileSchedule(t *testing.T) {
	for _, spec := range []string{"daily", "0 3 * *", "61 3 * * *", "0 3 * * * *", "@every soon", "CRON_TZ=Mars/Base 0 3 * * *"} {
		t.Run(spec, func(t *testing.T) {
			MustEnv(t, with(map[string]string{varReconcileSchedule: spec}))
			_, err := Load()
			var e *Error
			if !errors.As(err, &e) || e.Var != varReconcileSchedule || e.Value != spec {
				t.Fatalf("Load with %s=%q: %v, want an error naming the variable and value", varReconcileSchedule, spec, err)
			}
			if !strings.Contains(err.Error(), "cron spec") {
				t.Errorf("error %q does not say what is expected", err)
			}
		})
	}
}
