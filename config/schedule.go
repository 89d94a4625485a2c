package config

import (
	"strings"

	"github.com/robfig/cron/v3"
)

// ParseSchedule parses a reconciliation schedule: a standard five-field
// cron spec (minute, hour, day of month, month, day of week), a descriptor
// such as @daily or @every 6h, optionally led by CRON_TZ=<zone>. Times are
// the host's local time unless CRON_TZ says otherwise. The daemon parses
// the validated value with it again, so both read it alike.
func ParseSchedule(spec string) (cron.Schedule, error) {
	return cron.ParseStandard(strings.TrimSpace(spec))
}

// checkSchedule reports a schedule that does not parse. Empty is valid: it
// turns the schedule off.
func checkSchedule(name, spec string) error {
	if strings.TrimSpace(spec) == "" {
		return nil
	}
	if _, err := ParseSchedule(spec); err != nil {
		return &Error{Var: name, Value: spec, Reason: "not a cron spec (e.g. 0 3 * * * or @daily): " + err.Error()}
	}
	return nil
}
