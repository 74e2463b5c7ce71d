// family.go holds a metric family's shape (name, TYPE, UNIT, HELP) and the writing of its header and samples in the text format.

package metrics

import (
	"io"
	"strconv"
	"strings"
)

// The metric types the families use.
const (
	gauge     = "gauge"
	counter   = "counter"
	histogram = "histogram"
)

// family is one metric: its name (before the namespace), type, unit (""
// for none) and help text, and how to write its samples from a scrape.
// Every family is written with its header, even when it has no sample.
type family struct {
	name, typ, unit, help string
	write                 func(w io.Writer, name string, s *scrape)
}

// writeHeader writes the TYPE, UNIT and HELP lines, in PgDog's order. A
// UNIT line is a comment to the Prometheus text format's parsers.
func (f *family) writeHeader(w io.Writer, name string) {
	line := "# TYPE " + name + " " + f.typ + "\n"
	if f.unit != "" {
		line += "# UNIT " + name + " " + f.unit + "\n"
	}
	_, _ = io.WriteString(w, line+"# HELP "+name+" "+f.help+"\n")
}

// writeInt writes one sample of an integer value.
func writeInt(w io.Writer, series string, v int64) {
	_, _ = io.WriteString(w, series+" "+strconv.FormatInt(v, 10)+"\n")
}

// writeFloat writes one sample, in decimal notation (never an exponent).
func writeFloat(w io.Writer, series string, v float64) {
	_, _ = io.WriteString(w, series+" "+strconv.FormatFloat(v, 'f', -1, 64)+"\n")
}

// label is one name="value" pair, its value escaped for the text format.
func label(name, value string) string {
	if strings.ContainsAny(value, "\\\"\n") {
		value = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(value)
	}
	return name + `="` + value + `"`
}

// series is a name with its labels, each a label() pair.
func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	return name + "{" + strings.Join(labels, ",") + "}"
}
