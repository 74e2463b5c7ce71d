// PgbenchResult and the parser of pgbench's summary output.

package testsuite

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PgbenchResult is the part of a pgbench summary the tests check.
type PgbenchResult struct {
	TPS       float64 // "tps = N (without initial connection time)"
	Processed int64   // "number of transactions actually processed: N"
	Failed    int64   // "number of failed transactions: N"
}

var (
	reProcessed = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	reFailed    = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
	reTPS       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	reTPSAny    = regexp.MustCompile(`(?m)^tps = ([0-9.]+)`)
)

// ErrPgbenchAborted reports a run that pgbench itself marked as aborted.
var ErrPgbenchAborted = errors.New("pgbench run aborted")

// ParsePgbench parses pgbench's output. pgbench prints a tps line even after aborting, so the
// error is non-nil when the output says "aborted", when failed transactions are above zero,
// or when the processed count or tps is missing.
func ParsePgbench(out string) (PgbenchResult, error) {
	var r PgbenchResult
	m := reProcessed.FindStringSubmatch(out)
	if m == nil {
		return r, errors.New("cannot parse pgbench output: no processed-transactions line")
	}
	r.Processed, _ = strconv.ParseInt(m[1], 10, 64)
	if m = reFailed.FindStringSubmatch(out); m != nil {
		r.Failed, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m = reTPS.FindStringSubmatch(out); m == nil {
		m = reTPSAny.FindStringSubmatch(out)
	}
	if m == nil {
		return r, errors.New("cannot parse pgbench output: no tps line")
	}
	r.TPS, _ = strconv.ParseFloat(m[1], 64)
	if strings.Contains(out, "aborted") {
		return r, ErrPgbenchAborted
	}
	if r.Failed > 0 {
		return r, fmt.Errorf("pgbench reported %d failed transactions", r.Failed)
	}
	return r, nil
}
