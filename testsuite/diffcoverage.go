// Differential protocol test: the coverage summary of generated scripts (units, messages, splits, leaves).

package testsuite

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// DiffCoverage counts what generated scripts contain.
type DiffCoverage struct {
	Seeds    []uint64
	Scripts  int
	Steps    int
	Bytes    int
	Largest  int            // largest frontend frame
	Units    map[string]int // steps by the first word of their label
	Messages map[string]int // frontend messages by type
	Splits   map[string]int // write boundaries by kind (batches and COPY data)
	Leaves   map[string]int // clients leaving, by kind and where the cut falls
}

var frontendNames = map[byte]string{'Q': "Query", 'P': "Parse", 'B': "Bind", 'D': "Describe", 'E': "Execute",
	'C': "Close", 'S': "Sync", 'H': "Flush", 'd': "CopyData", 'c': "CopyDone", 'f': "CopyFail", 'X': "Terminate"}

// Add counts the scripts of one seed.
func (c *DiffCoverage) Add(seed uint64, scripts []DiffScript) {
	if c.Units == nil {
		c.Units, c.Messages, c.Splits, c.Leaves = map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	}
	c.Seeds = append(c.Seeds, seed)
	c.Scripts += len(scripts)
	for _, sc := range scripts {
		for _, st := range sc.Steps {
			c.addStep(st)
		}
	}
}

func (c *DiffCoverage) addStep(st DiffStep) {
	c.Steps++
	unit, _, _ := strings.Cut(st.Label, " ")
	unit, _, _ = strings.Cut(unit, "@")
	if unit == "" {
		unit = "follow-up"
	}
	c.Units[unit]++
	for _, buf := range [][]byte{st.Batch, st.Copy} {
		c.Bytes += len(buf)
		for _, sp := range frameSpans(buf) {
			c.Messages[frontendNames[buf[sp[0]]]]++
			c.Largest = max(c.Largest, sp[1]-sp[0])
		}
	}
	for _, sp := range st.Splits {
		c.Splits[sp.Kind.String()]++
	}
	for _, sp := range st.CopySplits {
		c.Splits["copy-"+sp.Kind.String()]++
	}
	if st.Leave != LeaveNone {
		where, _, _ := strings.Cut(st.CutWhere, " ")
		c.Leaves[strings.TrimSpace(st.Leave.String()+" "+where)]++
	}
}

// String is the summary logged by the tests.
func (c *DiffCoverage) String() string {
	if c.Units == nil {
		return "nothing generated"
	}
	return fmt.Sprintf("seeds %v: %d client scripts, %d steps, %d bytes scripted, largest frame %d bytes\n"+
		"  units: %s\n  frontend messages: %s\n  splits: %s\n  leaves: %s",
		c.Seeds, c.Scripts, c.Steps, c.Bytes, c.Largest,
		countList(c.Units), countList(c.Messages), countList(c.Splits), countList(c.Leaves))
}

// countList renders a map as "key n, key n" sorted by key.
func countList(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
