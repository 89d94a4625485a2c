package config

import (
	"errors"
	"os"

	"keysync/sources/wibisoft"
)

// Load reads keysync's configuration from the process environment: defaults
// first, then the environment, then validation. It reports every problem at
// once, joined with errors.Join, each one an *Error, so that an operator can
// fix an EnvironmentFile in one go. There is no variant taking a list of
// variables because envconfig reads only the process environment; tests set
// it with t.Setenv.
func Load() (*Config, error) {
	var g globalVars
	errs := process(prefix, &g)

	c := &Config{
		NumberFormat:    g.NumberFormat,
		CheckDigit:      g.CheckDigit,
		SequenceStart:   g.SequenceStart,
		HHSequenceStart: g.HHSequenceStart,
		PESequenceStart: g.PESequenceStart,
		PollInterval:    g.PollInterval,
		BackoffMax:      g.BackoffMax,
		BatchSize:       g.BatchSize,
		LogFormat:       g.LogFormat,
		LogLevel:        g.LogLevel,
		MatchSame:       g.MatchSame,
		MatchReview:     g.MatchReview,
		MatchNamesBits:  g.MatchNamesBits,
		HTTPAddr:        g.HTTPAddr,
		TLSCAFile:       g.TLSCaFile,

		ReconcileSchedule:   g.ReconcileSchedule,
		WibisoftColumnsText: g.WibisoftColumns,
	}
	forget, err := parseRetention(varForgetAfter, g.ForgetAfter)
	if err != nil {
		errs = append(errs, err)
	}
	c.ForgetAfter = forget
	cols, err := wibisoft.ParseColumns(g.WibisoftColumns)
	if err != nil {
		errs = append(errs, &Error{Var: varWibisoftColumns, Value: g.WibisoftColumns, Reason: err.Error()})
	}
	c.WibisoftColumns = cols
	if err := registerCA(g.TLSCaFile); err != nil {
		errs = append(errs, err)
	}
	dsn, warning, err := loadDSN(varCentralDSN, g.CentralDSN, g.CentralDSNFile)
	if err != nil {
		errs = append(errs, err)
	}
	c.CentralDSN = dsn
	warnings := nonEmpty(nil, warning)

	names, nameErrs := sourceNames(g.Sources)
	errs = append(errs, nameErrs...)
	for _, name := range names {
		s, sourceErrs, warning := loadSource(name)
		errs = append(errs, sourceErrs...)
		warnings = nonEmpty(warnings, warning)
		c.Sources = append(c.Sources, s)
	}

	sinks, sinkErrs, sinkWarnings := loadSinks(g.Sinks)
	c.Sinks, errs, warnings = sinks, append(errs, sinkErrs...), append(warnings, sinkWarnings...)
	for i := range c.Sinks {
		c.Sinks[i].WibisoftColumns = c.WibisoftColumns
	}

	api, apiErrs, apiWarnings := loadAPI(apiVars{addr: g.APIAddr, tokenFile: g.APITokenFile, certFile: g.ApiTLSCertFile,
		keyFile: g.ApiTLSKeyFile, maxInFlight: g.APIMaxInFlight}, g.HTTPAddr)
	c.API, warnings = api, append(warnings, apiWarnings...)

	// A value that could not be read is reported once, not again as out of
	// range in its zero value.
	unread := erroneous(errs)
	checks := c.parseTemplates(g.HHFormat, g.PEFormat)
	checks = append(checks, c.validate()...)
	checks = append(checks, apiErrs...)
	for _, err := range checks {
		if e, ok := err.(*Error); !ok || !unread[e.Var] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.Warnings = append(warnings, unusedVariables(os.Environ(), names, sinkNamesOf(c.Sinks))...)
	c.Warnings = append(c.Warnings, httpWarnings(c.HTTPAddr)...)
	return c, nil
}

// nonEmpty appends w to list unless it is empty.
func nonEmpty(list []string, w string) []string {
	if w == "" {
		return list
	}
	return append(list, w)
}

// erroneous returns the variables that errs already report.
func erroneous(errs []error) map[string]bool {
	vars := map[string]bool{}
	for _, err := range errs {
		if e, ok := err.(*Error); ok {
			vars[e.Var] = true
		}
	}
	return vars
}
