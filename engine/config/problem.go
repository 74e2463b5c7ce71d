// Problems found while loading the configuration, and the error that carries them.

package config

import (
	"strconv"
	"strings"
)

// EnvironmentFile is the Problem.File of a problem found in a PGDOG_<KEY> variable.
const EnvironmentFile = "environment"

// Problem is one thing wrong with the configuration.
type Problem struct {
	File string // base name of the file, or EnvironmentFile
	Line int    // 1-based; 0 when not known
	Key  string // e.g. "general.port", "databases[2].host" (entries counted from 1), "PGDOG_PORT"
	Msg  string
}

// String formats the problem as "pgdog.toml:14: general.pooler_mod: unknown key".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is returned by Load when the files are wrong; it lists every problem found.
type Error struct {
	Problems []Problem
}

// Error lists all problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
