// showconfig.go holds SHOW CONFIG: the [general] settings in force, with values written as PgDog writes them.

package admin

import (
	"strconv"
	"strings"

	"github.com/pgdogd/pgdogd/engine/config"
)

// configFields are SHOW CONFIG's columns: PgDog's name and value
// (pgdog/src/admin/show_config.rs), then pgdogd's default and whether
// SET changes the setting.
var configFields = []field[config.Setting]{
	{text("name"), func(s *config.Setting) any { return s.Key }},
	{text("value"), func(s *config.Setting) any { return pgdogValue(s.Key, s.Value) }},
	{text("default"), func(s *config.Setting) any { return pgdogValue(s.Key, s.Default) }},
	{text("changeable"), func(s *config.Setting) any { return yesNo(s.Runtime) }},
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// showConfig lists the [general] settings in force; changeable ones take SET.
func showConfig(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW CONFIG", args); err != nil {
		return nil, err
	}
	return listing("SHOW CONFIG", configFields, nil, c.snap.Config().Settings())
}

// pgdogValue writes a setting's value as PgDog's SHOW CONFIG does: a
// duration (a key naming a timeout, interval, delay, time or lifetime, in
// milliseconds) in the largest unit that divides it, anything else as it is.
func pgdogValue(key, value string) string {
	if !isDuration(key) {
		return value
	}
	ms, err := strconv.ParseUint(value, 10, 64)
	if err != nil {
		return value
	}
	return humanMillis(ms)
}

func isDuration(key string) bool {
	for _, s := range []string{"_timeout", "_interval", "_delay", "_time", "_lifetime"} {
		if strings.Contains(key, s) {
			return true
		}
	}
	return false
}

// humanMillis writes ms as PgDog does: "500ms", "2s", "5m", "1h", "1d"; a
// duration a unit does not divide, or of a week or more, in milliseconds.
func humanMillis(ms uint64) string {
	const second, minute, hour, day = 1000, 60 * 1000, 3600 * 1000, 24 * 3600 * 1000
	for _, u := range []struct {
		size, below uint64
		name        string
	}{{second, minute, "s"}, {minute, hour, "m"}, {hour, day, "h"}, {day, 7 * day, "d"}} {
		if ms >= u.size && ms < u.below {
			if ms%u.size != 0 {
				break
			}
			return strconv.FormatUint(ms/u.size, 10) + u.name
		}
	}
	return strconv.FormatUint(ms, 10) + "ms"
}
