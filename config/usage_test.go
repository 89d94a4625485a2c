package config

import (
	"strings"
	"testing"

	"keysync/sync/number"
)

func TestUsage(t *testing.T) {
	u := Usage()
	for _, v := range append(globalVariables(), sourceVariables("<NAME>")...) {
		if v.Desc == "" {
			t.Errorf("%s has no desc tag", v.Name)
		}
		line := ""
		for l := range strings.Lines(u) {
			if strings.HasPrefix(l, v.Name+" ") {
				line = l
			}
		}
		if line == "" || !strings.Contains(line, v.Default) || !strings.Contains(line, v.Desc) {
			t.Errorf("Usage has no line for %s with %q and %q", v.Name, v.Default, v.Desc)
		}
	}
	for _, name := range number.Names() {
		if !strings.Contains(u, name) {
			t.Errorf("Usage does not mention check digit algorithm %s", name)
		}
	}
	for _, kind := range Kinds {
		if !strings.Contains(u, kind) {
			t.Errorf("Usage does not mention kind %s", kind)
		}
	}
}

// TestVariableNames pins the names used in errors and Redacted to those
// envconfig derives from the tags, which are the names Load reads.
func TestVariableNames(t *testing.T) {
	names := map[string]bool{}
	for _, v := range globalVariables() {
		names[v.Name] = true
	}
	globals := []string{
		varCentralDSN, varCentralDSN + fileSuffix, varSources, varNumberFormat, varCheckDigit, varSequenceStart,
		varHHFormat, varHHSequenceStart, varPEFormat, varPESequenceStart, varPollInterval, varBatchSize,
		varBackoffMax, varLogFormat, varLogLevel, varMatchSame, varMatchReview, varMatchNamesBits, varHTTPAddr, varTLSCAFile,
		varAPIAddr, varAPITokenFile, varAPITLSCertFile, varAPITLSKeyFile, varAPIMaxInFlight,
		varReconcileSchedule, varSinks, varForgetAfter, varWibisoftColumns,
	}
	for _, name := range globals {
		if !names[name] {
			t.Errorf("%s is not a variable envconfig reads", name)
		}
	}
	if len(globals) != len(names) {
		t.Errorf("%d global constants for %d variables", len(globals), len(names))
	}

	p := sourcePrefix("shop")
	names = map[string]bool{}
	for _, v := range sourceVariables("shop") {
		names[v.Name] = true
	}
	suffixes := []string{sufKind, sufDSN, sufDSN + fileSuffix, sufTable, sufPIDs, sufCountry, sufNumberColumn, sufHHColumn, sufPEColumn,
		sufTablePrefix, sufUsersTable, sufUsermetaTable, sufNumberKey, sufHHKey, sufPEKey, sufAfterWrite, sufAfterWriteTimeout,
		sufFields, sufSalutations, sufTimezone}
	for _, suffix := range suffixes {
		if !names[p+suffix] {
			t.Errorf("%s is not a variable envconfig reads", p+suffix)
		}
	}
	if len(suffixes) != len(names) {
		t.Errorf("%d source constants for %d variables", len(suffixes), len(names))
	}

	p = sinkPrefix("liste")
	names = map[string]bool{}
	for _, v := range sinkVariables("liste") {
		names[v.Name] = true
	}
	suffixes = []string{sufSinkKind, sufSinkPath, sufSinkURL, sufSinkUser, sufSinkPasswordFile, sufSinkSchedule, sufSinkFields, sufSinkLang, sufSinkEncoding}
	for _, suffix := range suffixes {
		if !names[p+suffix] {
			t.Errorf("%s is not a variable envconfig reads", p+suffix)
		}
	}
	if len(suffixes) != len(names) {
		t.Errorf("%d sink constants for %d variables", len(suffixes), len(names))
	}
}
