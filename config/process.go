package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/kelseyhightower/envconfig"
)

// process fills spec, a pointer to a struct of tagged fields, from the
// environment by running envconfig.Process once per field. envconfig stops
// at the first value it cannot convert, and an operator fixing an
// EnvironmentFile should see every bad value at once, not one per restart.
func process(prefix string, spec any) []error {
	v := reflect.ValueOf(spec).Elem()
	var errs []error
	for i := range v.NumField() {
		f := v.Type().Field(i)
		one := reflect.New(reflect.StructOf([]reflect.StructField{{Name: f.Name, Type: f.Type, Tag: f.Tag}}))
		if err := envconfig.Process(prefix, one.Interface()); err != nil {
			errs = append(errs, conversionError(err))
			continue
		}
		v.Field(i).Set(one.Elem().Field(0))
	}
	return errs
}

// conversionError turns envconfig's error into an *Error that names the
// variable and the value in keysync's words rather than envconfig's.
func conversionError(err error) error {
	var pe *envconfig.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read environment: %w", err)
	}
	reason := "cannot be converted to " + pe.TypeName
	switch pe.TypeName {
	case "time.Duration":
		reason = "not a duration (e.g. 5s, 1m)"
	case "int":
		reason = "not an integer"
	case "uint64":
		reason = "not an unsigned integer"
	case "[]uint64":
		reason = "not a comma-separated list of unsigned integers without spaces (e.g. 12,34)"
	}
	if errors.Is(pe.Err, strconv.ErrRange) {
		reason = "out of range"
	}
	return &Error{Var: pe.KeyName, Value: pe.Value, Reason: reason}
}
