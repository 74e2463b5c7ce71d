// Typed declarations of [general] keys: how a key of each kind is defaulted, checked, shown, printed and parsed by SET.

package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// value is what the registry does with a key's field, whatever its Go type.
type value interface {
	ptr(g *General) any                       // the field, for decoding and the environment
	reset(g *General)                         // set the default
	problem(g *General) string                // the check; "" when fine
	text(g *General) string                   // SHOW CONFIG's text
	defaultText() string                      // the default as SHOW CONFIG's text
	print(p *printer, key string, g *General) // the configcheck line
	set(g *General, key, s string) error      // admin SET
	same(a, b *General) bool
	keep(dst, src *General) // copy src's value into dst
}

// spec declares a key whose field has type T.
type spec[T comparable] struct {
	d     keyDef
	field func(*General) *T
	def   T
	valid func(T) string                    // nil: every decoded value is fine
	parse func(key, s string) (T, error)    // admin SET; nil when SET cannot change the key
	show  func(T) string                    // SHOW CONFIG's text
	line  func(p *printer, key string, v T) // configcheck's line
}

// check gives the key its check.
func (s spec[T]) check(valid func(T) string) spec[T] { s.valid = valid; return s }

// settable lets admin SET change the key, parsing its text with parse.
func (s spec[T]) settable(parse func(key, text string) (T, error)) spec[T] {
	s.parse = parse
	return s
}

// needsRestart marks a key RELOAD cannot change.
func (s spec[T]) needsRestart() spec[T] { s.d.restart = true; return s }

// also accepts another name for the key in the file.
func (s spec[T]) also(alias string) spec[T] { s.d.alias = alias; return s }

// declare finishes the declaration.
func (s spec[T]) declare() keyDef {
	d := s.d
	d.runtime = s.parse != nil
	d.v = s
	return d
}

func (s spec[T]) ptr(g *General) any      { return s.field(g) }
func (s spec[T]) reset(g *General)        { *s.field(g) = s.def }
func (s spec[T]) text(g *General) string  { return s.show(*s.field(g)) }
func (s spec[T]) defaultText() string     { return s.show(s.def) }
func (s spec[T]) same(a, b *General) bool { return *s.field(a) == *s.field(b) }
func (s spec[T]) keep(dst, src *General)  { *s.field(dst) = *s.field(src) }

func (s spec[T]) problem(g *General) string {
	if s.valid == nil {
		return ""
	}
	return s.valid(*s.field(g))
}

func (s spec[T]) print(p *printer, key string, g *General) { s.line(p, key, *s.field(g)) }

// set parses text into the field; the key's check runs too, so that SET
// never takes what the file would refuse.
func (s spec[T]) set(g *General, key, text string) error {
	v, err := s.parse(key, text)
	if err != nil {
		return err
	}
	if s.valid != nil {
		if msg := s.valid(v); msg != "" {
			return fmt.Errorf("%s %s", key, msg)
		}
	}
	*s.field(g) = v
	return nil
}

// text declares a string key, or one of a string enumeration.
func text[T ~string](name string, field func(*General) *T, def T) spec[T] {
	return spec[T]{d: keyDef{name: name}, field: field, def: def,
		show: func(v T) string { return string(v) },
		line: func(p *printer, k string, v T) { p.str(k, string(v)) }}
}

// integer declares a whole-number key.
func integer(name string, field func(*General) *int, def int) spec[int] {
	return spec[int]{d: keyDef{name: name}, field: field, def: def,
		show: strconv.Itoa, line: (*printer).num}
}

// millis declares a duration key, given in milliseconds.
func millis(name string, field func(*General) *time.Duration, def time.Duration) spec[time.Duration] {
	return spec[time.Duration]{d: keyDef{name: name}, field: field, def: def,
		show: func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) },
		line: (*printer).ms}
}

// boolean declares a true-or-false key.
func boolean(name string, field func(*General) *bool, def bool) spec[bool] {
	return spec[bool]{d: keyDef{name: name}, field: field, def: def,
		show: strconv.FormatBool, line: (*printer).boolean}
}

// number declares a floating-point key.
func number(name string, field func(*General) *float64, def float64) spec[float64] {
	return spec[float64]{d: keyDef{name: name}, field: field, def: def,
		show: func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) },
		line: (*printer).float}
}

// maxSetMillis is the longest duration SET accepts: a year.
const maxSetMillis = int64(365 * 24 * time.Hour / time.Millisecond)

// wholeNumber parses SET's text for an integer key within lo..hi.
func wholeNumber(lo, hi int) func(key, s string) (int, error) {
	return func(key, s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s must be a whole number from %d to %d, got %q", key, lo, hi, s)
		}
		return n, nil
	}
}

// milliseconds parses SET's text for a duration key: lo up to a year. A
// zero lo is for keys where 0 means "off".
func milliseconds(lo int64) func(key, s string) (time.Duration, error) {
	return millisecondsUpTo(lo, maxSetMillis)
}

// millisecondsUpTo parses SET's text for a duration key within lo..hi milliseconds.
func millisecondsUpTo(lo, hi int64) func(key, s string) (time.Duration, error) {
	return func(key, s string) (time.Duration, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < lo || n > hi {
			return 0, fmt.Errorf("%s must be a whole number of milliseconds from %d, got %q", key, lo, s)
		}
		return time.Duration(n) * time.Millisecond, nil
	}
}

// choice parses SET's text for an enumerated key: one of the values valid accepts.
func choice[T ~string](valid func(T) string) func(key, s string) (T, error) {
	return func(key, s string) (T, error) {
		if msg := valid(T(s)); msg != "" {
			return "", fmt.Errorf("%s %s", key, msg)
		}
		return T(s), nil
	}
}

// share parses SET's text for a number within 0..1.
func share(key, s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !(x >= 0 && x <= 1) {
		return 0, fmt.Errorf("%s must be a number from 0.0 to 1.0, got %q", key, s)
	}
	return x, nil
}

// onOff parses SET's text for a true-or-false key, as PostgreSQL spells it.
func onOff(key, s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on", "true", "yes", "1", "t":
		return true, nil
	case "off", "false", "no", "0", "f":
		return false, nil
	}
	return false, fmt.Errorf("%s must be on or off, got %q", key, s)
}
