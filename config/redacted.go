package config

import (
	"strconv"
	"strings"

	"keysync/sync/number"
)

// Setting is one effective variable, as `keysync config` prints it so that
// an operator sees what the daemon really runs with. Default is true when
// the value equals the built-in default.
type Setting struct {
	Var     string `json:"var"`
	Value   string `json:"value"`
	Default bool   `json:"default"`
}

// Redacted lists every effective variable, the per-source ones included, in
// the order of Usage with sources in the order of KEYSYNC_SOURCES. DSNs are
// redacted, so the list is safe to print or log; a DSN read from a _FILE
// variable is shown under the variable it stands for.
func (c *Config) Redacted() []Setting {
	names := make([]string, len(c.Sources))
	for i, s := range c.Sources {
		names[i] = s.Name
	}
	settings := []Setting{
		{Var: varCentralDSN, Value: RedactDSN(c.CentralDSN)},
		{Var: varSources, Value: strings.Join(names, ",")},
		{Var: varNumberFormat, Value: c.NumberFormat},
		{Var: varCheckDigit, Value: c.CheckDigit},
		{Var: varSequenceStart, Value: strconv.FormatUint(c.SequenceStart, 10)},
		{Var: varHHFormat, Value: templateText(c.Household)},
		{Var: varHHSequenceStart, Value: strconv.FormatUint(c.HHSequenceStart, 10)},
		{Var: varPEFormat, Value: templateText(c.Person)},
		{Var: varPESequenceStart, Value: strconv.FormatUint(c.PESequenceStart, 10)},
		{Var: varPollInterval, Value: formatDuration(c.PollInterval)},
		{Var: varBatchSize, Value: strconv.Itoa(c.BatchSize)},
		{Var: varBackoffMax, Value: formatDuration(c.BackoffMax)},
		{Var: varLogFormat, Value: c.LogFormat},
		{Var: varLogLevel, Value: c.LogLevel},
		{Var: varMatchSame, Value: strconv.FormatFloat(c.MatchSame, 'g', -1, 64)},
		{Var: varMatchReview, Value: strconv.FormatFloat(c.MatchReview, 'g', -1, 64)},
		{Var: varMatchNamesBits, Value: strconv.FormatFloat(c.MatchNamesBits, 'g', -1, 64)},
		{Var: varHTTPAddr, Value: c.HTTPAddr},
		{Var: varTLSCAFile, Value: c.TLSCAFile},
		{Var: varAPIAddr, Value: c.API.Addr},
		{Var: varAPITokenFile, Value: c.API.TokenFile},
		{Var: varAPITLSCertFile, Value: c.API.TLSCertFile},
		{Var: varAPITLSKeyFile, Value: c.API.TLSKeyFile},
		{Var: varAPIMaxInFlight, Value: strconv.Itoa(c.API.MaxInFlight)},
		{Var: varReconcileSchedule, Value: c.ReconcileSchedule},
		{Var: varSinks, Value: strings.Join(sinkNamesOf(c.Sinks), ",")},
		{Var: varForgetAfter, Value: FormatRetention(c.ForgetAfter)},
		{Var: varWibisoftColumns, Value: c.WibisoftColumnsText},
	}
	defaults := defaultsOf(globalVariables())
	for _, s := range c.Sources {
		p := sourcePrefix(s.Name)
		settings = append(settings,
			Setting{Var: p + sufKind, Value: s.Kind},
			Setting{Var: p + sufDSN, Value: RedactDSN(s.DSN)},
			Setting{Var: p + sufCountry, Value: s.Country},
		)
		// Only the settings of the source's own kind mean anything.
		if s.Kind == "wordpress" {
			settings = append(settings,
				Setting{Var: p + sufTablePrefix, Value: s.TablePrefix},
				Setting{Var: p + sufUsersTable, Value: s.UsersTable},
				Setting{Var: p + sufUsermetaTable, Value: s.UsermetaTable},
				Setting{Var: p + sufNumberKey, Value: s.NumberKey},
				Setting{Var: p + sufHHKey, Value: s.HHKey},
				Setting{Var: p + sufPEKey, Value: s.PEKey},
				Setting{Var: p + sufAfterWrite, Value: s.AfterWrite},
				Setting{Var: p + sufAfterWriteTimeout, Value: formatDuration(s.AfterWriteTimeout)},
				Setting{Var: p + sufFields, Value: s.FieldsText},
				Setting{Var: p + sufSalutations, Value: s.SalutationsText},
			)
		} else {
			settings = append(settings,
				Setting{Var: p + sufTable, Value: s.Table},
				Setting{Var: p + sufPIDs, Value: joinUints(s.PIDs)},
				Setting{Var: p + sufNumberColumn, Value: s.NumberColumn},
				Setting{Var: p + sufHHColumn, Value: s.HHColumn},
				Setting{Var: p + sufPEColumn, Value: s.PEColumn},
				Setting{Var: p + sufFields, Value: s.FieldsText},
				Setting{Var: p + sufSalutations, Value: s.SalutationsText},
				Setting{Var: p + sufTimezone, Value: s.Timezone},
			)
		}
		for k, v := range defaultsOf(sourceVariables(s.Name)) {
			defaults[k] = v
		}
	}
	for _, s := range c.Sinks {
		settings = append(settings, s.redacted()...)
		for k, v := range defaultsOf(sinkVariables(s.Name)) {
			defaults[k] = v
		}
	}
	for i, s := range settings {
		def, ok := defaults[s.Var]
		settings[i].Default = ok && s.Value == def
	}
	return settings
}

// defaultsOf maps each variable to its default.
func defaultsOf(vars []variable) map[string]string {
	m := make(map[string]string, len(vars))
	for _, v := range vars {
		m[v.Name] = v.Default
	}
	return m
}

// templateText returns a template's source text, or "" for none.
func templateText(t *number.Template) string {
	if t == nil {
		return ""
	}
	return t.String()
}

// joinUints prints ids the way _PIDS takes them.
func joinUints(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(s, ",")
}
