// [general] at runtime, read from the registry: SHOW CONFIG's rows, admin SET, and the keys RELOAD cannot change.

package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Setting is one [general] key as SHOW CONFIG lists it.
type Setting struct {
	Key     string
	Value   string // the value in force, as SET would take it (durations in milliseconds)
	Default string // PgDog's default, in the same form
	Runtime bool   // admin SET may change it
}

// Settings lists the [general] keys pgdogd implements with their values, in registry order.
func (c *Config) Settings() []Setting {
	var out []Setting
	for k := range implementedKeys {
		out = append(out, Setting{Key: k.name, Value: k.v.text(&c.General),
			Default: k.v.defaultText(), Runtime: k.runtime})
	}
	return out
}

// RuntimeKeys lists, sorted, the [general] keys admin SET may change.
func RuntimeKeys() []string {
	var out []string
	for k := range implementedKeys {
		if k.runtime {
			out = append(out, k.name)
		}
	}
	sort.Strings(out)
	return out
}

// PgDogOnly reports whether key is a PgDog [general] key that pgdogd
// accepts and ignores (the registry's keys it does not implement).
func PgDogOnly(key string) bool {
	_, ok := pgdogOnlyGeneral[key]
	return ok
}

// ErrNotSettable is wrapped by SetGeneral's error for a key admin SET cannot change.
var ErrNotSettable = errors.New("unknown or read-only setting")

// SetGeneral parses value into g's key as admin SET does: only runtime keys,
// within the range SET allows. On error g is unchanged; a key SET cannot
// change gives an error wrapping ErrNotSettable.
func SetGeneral(g *General, key, value string) error {
	k, ok := generalByName[key]
	if !ok || !k.runtime {
		return fmt.Errorf("%w %q; settable: %s", ErrNotSettable, key, strings.Join(RuntimeKeys(), ", "))
	}
	return k.v.set(g, key, value)
}

// KeepRestartOnly copies into loaded the running values of the keys that
// need a restart, and returns, in registry order, those whose value loaded
// had changed.
func KeepRestartOnly(running, loaded *General) []string {
	var changed []string
	for k := range implementedKeys {
		if !k.restart {
			continue
		}
		if !k.v.same(running, loaded) {
			changed = append(changed, k.name)
		}
		k.v.keep(loaded, running)
	}
	return changed
}
