package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"keysync/sync/number"
)

// Limits that keep the daemon from hammering the databases or waiting
// unreasonably long, and batches small enough for one transaction.
const (
	minPollInterval = 100 * time.Millisecond
	minBackoffMax   = time.Second
	maxBatchSize    = 5000
)

var (
	logFormats = []string{"auto", "text", "json"}
	logLevels  = []string{"debug", "info", "warn", "error"}
)

// validate checks the loaded values against each other and their limits
// and brings names into their canonical case. It runs after parseTemplates,
// whose templates bound the sequence starts. It returns every problem found.
func (c *Config) validate() []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(fits(varSequenceStart, c.SequenceStart, varNumberFormat, c.Number))
	add(fits(varHHSequenceStart, c.HHSequenceStart, varHHFormat, c.Household))
	add(fits(varPESequenceStart, c.PESequenceStart, varPEFormat, c.Person))
	add(atLeast(varPollInterval, c.PollInterval, minPollInterval))
	add(atLeast(varBackoffMax, c.BackoffMax, minBackoffMax))
	if c.BatchSize < 1 || c.BatchSize > maxBatchSize {
		add(&Error{Var: varBatchSize, Value: strconv.Itoa(c.BatchSize), Reason: fmt.Sprintf("must be between 1 and %d", maxBatchSize)})
	}
	add(oneOf(varLogFormat, &c.LogFormat, logFormats))
	add(oneOf(varLogLevel, &c.LogLevel, logLevels))
	add(checkHTTPAddr(c.HTTPAddr))
	add(checkSchedule(varReconcileSchedule, c.ReconcileSchedule))
	if c.MatchSame <= 0 || c.MatchSame > 1 {
		add(&Error{Var: varMatchSame, Value: strconv.FormatFloat(c.MatchSame, 'g', -1, 64), Reason: "must be a score above 0 and at most 1"})
	}
	if c.MatchReview <= 0 || c.MatchReview > c.MatchSame {
		add(&Error{Var: varMatchReview, Value: strconv.FormatFloat(c.MatchReview, 'g', -1, 64), Reason: "must be above 0 and at most " + varMatchSame})
	}
	if math.IsNaN(c.MatchNamesBits) || c.MatchNamesBits < 0 || c.MatchNamesBits > 64 {
		add(&Error{Var: varMatchNamesBits, Value: strconv.FormatFloat(c.MatchNamesBits, 'g', -1, 64), Reason: "must be a number of bits from 0 to 64"})
	}

	countryVar := c.countryTemplate()
	for i := range c.Sources {
		errs = append(errs, c.Sources[i].validate(countryVar)...)
	}
	return errs
}

// parseTemplates parses the three number templates with the configured
// check digit algorithm. The household and person templates come as
// arguments because Config keeps only their parsed form.
func (c *Config) parseTemplates(hhFormat, peFormat string) []error {
	var errs []error
	alg, err := number.Lookup(c.CheckDigit)
	if err != nil {
		errs = append(errs, &Error{Var: varCheckDigit, Value: c.CheckDigit,
			Reason: "unknown check digit algorithm; one of " + strings.Join(number.Names(), ", ")})
		// A bad algorithm name must not hide mistakes in the templates, so
		// they are still checked, with the default algorithm.
		alg, _ = number.Lookup("damm")
	} else {
		c.CheckDigit = alg.Name()
	}
	parse := func(name, s string) *number.Template {
		t, err := number.ParseTemplate(s, alg)
		if err != nil {
			errs = append(errs, &Error{Var: name, Value: s, Reason: err.Error()})
		}
		return t
	}
	c.Number = parse(varNumberFormat, c.NumberFormat)
	c.Household = parse(varHHFormat, hhFormat)
	c.Person = parse(varPEFormat, peFormat)
	return errs
}
