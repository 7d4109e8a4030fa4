package config

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Key describes one configuration setting: its name (the environment
// variable, also accepted lower-case in config.yaml), default and meaning.
type Key struct {
	Name    string
	Default string
	Help    string
	Secret  bool
}

// Keys lists every setting the binary reads, in declaration order. It is
// read from the tags of Config; .env.example, README's configuration table
// and configs/config.yaml are rendered from it by tests.
var Keys = keys(settings)

// setting is one tagged field of Config with its tags interpreted once, at
// start, so that a malformed tag stops the program before it serves.
type setting struct {
	Key
	index []int // path from Config to the field, for FieldByIndex
	typ   reflect.Type
	unit  string
	norm  string
	// valid says whether a field value passes the setting's own rule; fail
	// is the message when it does not. Rules between settings live in
	// Validate.
	valid func(reflect.Value) bool
	fail  string
}

// settings is Config's declaration, in field order.
var settings = declare(reflect.TypeFor[Config](), nil)

func keys(settings []setting) []Key {
	out := make([]Key, len(settings))
	for i, s := range settings {
		out[i] = s.Key
	}
	return out
}

// declare walks t's fields: a field with an env tag is a setting, a struct
// without one is a section. Anything else is a field nobody can set, which
// is refused rather than left silently at its zero value.
func declare(t reflect.Type, parent []int) []setting {
	var out []setting
	for i := range t.NumField() {
		f := t.Field(i)
		index := append(slices.Clip(parent), i)
		name, ok := f.Tag.Lookup("env")
		switch {
		case ok:
			out = append(out, newSetting(name, f, index))
		case f.Type.Kind() == reflect.Struct:
			out = append(out, declare(f.Type, index)...)
		default:
			panic(fmt.Sprintf("config: field %s has no env tag", f.Name))
		}
	}
	return out
}

func newSetting(name string, f reflect.StructField, index []int) setting {
	tag := f.Tag
	s := setting{
		Key: Key{
			Name:    name,
			Default: tag.Get("default"),
			Help:    tag.Get("help"),
			Secret:  tag.Get("secret") == "true",
		},
		index: index,
		typ:   f.Type,
		unit:  tag.Get("unit"),
		norm:  tag.Get("norm"),
	}
	if _, ok := units[s.unit]; !ok && s.unit != "" {
		panic(fmt.Sprintf("config: %s: unknown unit %q", name, s.unit))
	}
	if _, err := s.decode(s.Default, s.Default); err != nil {
		panic(fmt.Sprintf("config: %s: default: %v", name, err))
	}
	s.valid, s.fail = s.rule(tag)
	if msg, ok := tag.Lookup("msg"); ok {
		s.fail = msg
	}
	return s
}

// rule turns the validation tags into one predicate and its message. A
// setting has at most one kind of rule, so its message can be exact.
func (s setting) rule(tag reflect.StructTag) (func(reflect.Value) bool, string) {
	minRaw, hasMin := tag.Lookup("min")
	maxRaw, hasMax := tag.Lookup("max")
	gtRaw, hasGt := tag.Lookup("gt")
	oneof, hasOneof := tag.Lookup("oneof")
	_, hasRequired := tag.Lookup("required")
	kinds := 0
	for _, has := range []bool{hasMin || hasMax, hasGt, hasOneof, hasRequired} {
		if has {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		panic(fmt.Sprintf("config: %s: more than one kind of rule", s.Name))
	case hasRequired:
		return func(v reflect.Value) bool { return !v.IsZero() }, "must be set"
	case hasOneof:
		values := strings.Fields(oneof)
		return func(v reflect.Value) bool { return slices.Contains(values, v.String()) }, "must be " + sayList(values)
	case hasGt:
		gt := s.bound(gtRaw)
		what := "must be greater than " + gtRaw
		if gt == 0 {
			what = "must be positive"
		}
		return func(v reflect.Value) bool { return v.Int() > gt }, what
	case hasMin && hasMax:
		lo, hi := s.bound(minRaw), s.bound(maxRaw)
		return func(v reflect.Value) bool { return v.Int() >= lo && v.Int() <= hi }, "must be between " + minRaw + " and " + maxRaw
	case hasMin:
		lo := s.bound(minRaw)
		what := "must be at least " + minRaw
		if lo == 0 {
			what = "must not be negative"
		}
		return func(v reflect.Value) bool { return v.Int() >= lo }, what
	case hasMax:
		hi := s.bound(maxRaw)
		return func(v reflect.Value) bool { return v.Int() <= hi }, "must be at most " + maxRaw
	}
	return func(reflect.Value) bool { return true }, ""
}

// bound reads a bound the way the setting's own value is read, so "1" on
// BODY_LIMIT_MB means 1 MB and "100ms" on a duration means 100ms.
func (s setting) bound(raw string) int64 {
	v, err := s.decode(raw, raw)
	if err != nil || !v.CanInt() {
		panic(fmt.Sprintf("config: %s: bound %q is not a number of the setting's kind", s.Name, raw))
	}
	return v.Int()
}

// sayList writes "a, b or c".
func sayList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
