// Value checks shared by the [general] registry and the entries: ranges, ports, exposure, one-of.

package config

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// check records at s the problem a check found, if any: a check returns
// what is wrong with a value, or "" when it is fine.
func (c *collector) check(s source, msg string) {
	if msg != "" {
		c.add(s.problem(msg))
	}
}

// atLeast refuses integers below lo.
func atLeast(lo int) func(int) string {
	return func(n int) string {
		if n < lo {
			return fmt.Sprintf("must be at least %d, got %d", lo, n)
		}
		return ""
	}
}

// atLeastBytes refuses sizes below lo bytes.
func atLeastBytes(lo int) func(int) string {
	return func(n int) string {
		switch {
		case n >= lo:
			return ""
		case lo == 1:
			return "must be at least 1 byte"
		}
		return fmt.Sprintf("must be at least %d bytes, got %d", lo, n)
	}
}

// atLeastMs refuses durations below lo.
func atLeastMs(lo time.Duration) func(time.Duration) string {
	return func(d time.Duration) string {
		if d < lo {
			return fmt.Sprintf("must be at least %d ms, got %d", lo.Milliseconds(), d.Milliseconds())
		}
		return ""
	}
}

// notNegative refuses integers below zero.
func notNegative(n int) string {
	if n < 0 {
		return fmt.Sprintf("must not be negative, got %d", n)
	}
	return ""
}

// notNegativeMs refuses durations below zero.
func notNegativeMs(d time.Duration) string {
	if d < 0 {
		return "must not be negative"
	}
	return ""
}

// notEmpty refuses the empty string.
func notEmpty(s string) string {
	if s == "" {
		return "must not be empty"
	}
	return ""
}

// portNumber refuses what is not a TCP port.
func portNumber(p int) string {
	if p < 1 || p > 65535 {
		return fmt.Sprintf("port must be within 1..65535, got %d", p)
	}
	return ""
}

// portOrOff is a TCP port, or 0 for a listener that is off.
func portOrOff(p int) string {
	if p == 0 {
		return ""
	}
	return portNumber(p)
}

// exposure refuses a share outside 0..1 (NaN included).
func exposure(v float64) string {
	if !(v >= 0 && v <= 1) {
		return fmt.Sprintf("exposure must be within 0..1, got %g", v)
	}
	return ""
}

// oneOf refuses values not listed, naming the values in order.
func oneOf[T ~string](allowed ...T) func(T) string {
	return func(v T) string {
		if slices.Contains(allowed, v) {
			return ""
		}
		return fmt.Sprintf("%q is not one of %s", v, joinValues(allowed))
	}
}

// mustBeOneOf is oneOf with the value last in the message (tls_verify's wording).
func mustBeOneOf[T ~string](allowed ...T) func(T) string {
	return func(v T) string {
		if slices.Contains(allowed, v) {
			return ""
		}
		return fmt.Sprintf("must be one of %s, got %q", joinValues(allowed), v)
	}
}

func joinValues[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
