package main

import (
	"reflect"

	"keysync/internal/text"
)

// printable returns a deep copy of v with every string in it, in fields,
// slices, maps and behind pointers, passed through text.Printable. Every
// text output of an admin command (show, conflicts, find, status,
// reconcile, doctor) prints what it got through it, so a registrant's
// name holding an escape sequence or a bidi control reaches the terminal
// escaped whatever field it sits in, and a field added later is covered
// without thought. JSON output does not use it: JSON escapes control
// characters itself, and keeps the values exact.
func printable[T any](v T) T {
	out := sanitize(reflect.ValueOf(&v).Elem())
	return out.Interface().(T)
}

// sanitize returns a copy of v with its strings made printable. Unexported
// fields are copied as they are: the printers read only exported ones.
func sanitize(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.String:
		out.SetString(text.Printable(v.String()))
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(sanitize(v.Elem()))
			out.Set(p)
		}
	case reflect.Interface:
		if !v.IsNil() {
			out.Set(sanitize(v.Elem()))
		}
	case reflect.Slice:
		if !v.IsNil() {
			out.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
			for i := range v.Len() {
				out.Index(i).Set(sanitize(v.Index(i)))
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			out.Index(i).Set(sanitize(v.Index(i)))
		}
	case reflect.Map:
		if !v.IsNil() {
			out.Set(reflect.MakeMapWithSize(v.Type(), v.Len()))
			for it := v.MapRange(); it.Next(); {
				out.SetMapIndex(sanitize(it.Key()), sanitize(it.Value()))
			}
		}
	case reflect.Struct:
		out.Set(v)
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(sanitize(v.Field(i)))
			}
		}
	default:
		out.Set(v)
	}
	return out
}
