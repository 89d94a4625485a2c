package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	keysync "keysync/sync"
)

// sourceNameRE limits source names to what can be part of a variable name
// and a log attribute without quoting.
var sourceNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// sourceNames splits KEYSYNC_SOURCES into lower-case names. It returns the
// valid names even when others are wrong, so that the valid sources are
// still checked and the operator sees their mistakes too.
func sourceNames(list string) ([]string, []error) {
	if strings.TrimSpace(list) == "" {
		return nil, []error{&Error{Var: varSources, Value: list, Reason: "required; list the source names, e.g. shop,club"}}
	}
	names, errs := splitNames(varSources, list, "source")
	if i := slices.Index(names, keysync.WibisoftSource); i >= 0 {
		names = slices.Delete(names, i, i+1)
		errs = append(errs, &Error{Var: varSources, Value: list, Reason: fmt.Sprintf(
			"%q names the rows of the Wibisoft import in the central database; give the portal another name", keysync.WibisoftSource)})
	}
	return names, errs
}

// splitNames splits a comma list of names (of sources or sinks, what says
// which) into lower-case names, and reports each that is no name or is
// listed twice.
func splitNames(varName, list, what string) ([]string, []error) {
	var names []string
	var errs []error
	seen := map[string]bool{}
	for field := range strings.SplitSeq(list, ",") {
		name := strings.ToLower(strings.TrimSpace(field))
		switch {
		case !sourceNameRE.MatchString(name):
			errs = append(errs, &Error{Var: varName, Value: list, Reason: fmt.Sprintf(
				"%q is not a %s name: a letter, then up to 31 letters, digits or underscores", name, what)})
		case seen[name]:
			errs = append(errs, &Error{Var: varName, Value: list, Reason: fmt.Sprintf("%q is listed twice", name)})
		default:
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, errs
}

// loadSource reads the variables of one source and resolves its DSN. The
// remaining checks need the number templates and happen in validate,
// which also brings names into their canonical case. warning is about the
// DSN file, as loadDSN returns it.
func loadSource(name string) (s Source, errs []error, warning string) {
	var v sourceVars
	p := sourcePrefix(name)
	errs = process(p, &v)
	dsn, warning, err := loadDSN(p+sufDSN, v.DSN, v.DSNFile)
	if err != nil {
		errs = append(errs, err)
	}
	return Source{
		Name:         name,
		Kind:         v.Kind,
		DSN:          dsn,
		Table:        v.Table,
		PIDs:         v.Pids,
		Country:      v.Country,
		NumberColumn: v.NumberColumn,
		HHColumn:     v.HHColumn,
		PEColumn:     v.PEColumn,

		TablePrefix:       v.TablePrefix,
		UsersTable:        v.UsersTable,
		UsermetaTable:     v.UsermetaTable,
		NumberKey:         v.NumberKey,
		HHKey:             v.HHKey,
		PEKey:             v.PEKey,
		AfterWrite:        v.AfterWrite,
		AfterWriteTimeout: v.AfterWriteTimeout,
		FieldsText:        v.Fields,
		SalutationsText:   v.Salutations,
		Timezone:          v.Timezone,
	}, errs, warning
}
