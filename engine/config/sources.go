// Sources: what the configuration is read from besides the two files and the environment.

package config

import (
	"maps"
	"slices"
)

// CommandLineFile is the Problem.File of a problem found in a command-line override.
const CommandLineFile = "command line"

// Sources are what Load reads besides the two files and the environment.
// A reload reads them again, so that they keep applying.
type Sources struct {
	// Overrides sets [general] keys from the command line (PgDog's
	// `run --pool-size`, `--min-pool-size`, `--session-mode`): key name to
	// value, read as a PGDOG_<KEY> variable is. They win over the
	// environment and the file.
	Overrides map[string]string
	// DatabaseURLs are PgDog's --database-url: postgres:// URLs that replace
	// the files' databases and users (urls.go). Without them, the
	// environment's PGDOG_DATABASE_URL_<n> do.
	DatabaseURLs []string
}

// applyOverrides sets the [general] keys the command line gives.
func (c *collector) applyOverrides(g *General, src map[string]source, overrides map[string]string) {
	for _, key := range slices.Sorted(maps.Keys(overrides)) {
		s := source{file: CommandLineFile, key: key}
		k, ok := generalByName[key]
		if !ok || k.v == nil {
			c.add(s.problem("not a [general] key pgdogd implements"))
			continue
		}
		if err := assignString(k.v.ptr(g), overrides[key]); err != nil {
			c.add(s.problem(err.Error()))
			continue
		}
		src[key] = s
	}
}
