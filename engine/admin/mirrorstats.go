// mirrorstats.go holds the console's view of the comparison of mirrored statements: SHOW MIRROR QUERIES, SHOW MIRROR ERRORS and RESET MIRROR STATS.

package admin

import (
	"fmt"
	"strconv"

	"github.com/pgdogd/pgdogd/mirror/insight"
)

// fingerprint is a query fingerprint as the console, the metrics and the
// report write it: 16 hexadecimal digits.
func fingerprint(fp uint64) string { return fmt.Sprintf("%016x", fp) }

// mirrorQueryFields are SHOW MIRROR QUERIES' columns: one row per query
// fingerprint and mirror, latencies in milliseconds on both sides, the
// ratio of their medians, and the divergences by kind.
var mirrorQueryFields = []field[insight.QueryStats]{
	{text("mirror"), func(q *insight.QueryStats) any { return q.Mirror }},
	{text("fingerprint"), func(q *insight.QueryStats) any { return fingerprint(q.Fingerprint) }},
	{bigint("calls"), func(q *insight.QueryStats) any { return q.Calls }},
	{numeric("source_p50_ms"), func(q *insight.QueryStats) any { return ms(q.OnSource.P50) }},
	{numeric("source_p95_ms"), func(q *insight.QueryStats) any { return ms(q.OnSource.P95) }},
	{numeric("source_p99_ms"), func(q *insight.QueryStats) any { return ms(q.OnSource.P99) }},
	{numeric("mirror_p50_ms"), func(q *insight.QueryStats) any { return ms(q.OnMirror.P50) }},
	{numeric("mirror_p95_ms"), func(q *insight.QueryStats) any { return ms(q.OnMirror.P95) }},
	{numeric("mirror_p99_ms"), func(q *insight.QueryStats) any { return ms(q.OnMirror.P99) }},
	{numeric("ratio"), func(q *insight.QueryStats) any { return strconv.FormatFloat(q.Ratio, 'f', 2, 64) }},
	{bigint("mirror_errors"), func(q *insight.QueryStats) any { return q.Divergences[insight.MirrorError] }},
	{bigint("source_errors"), func(q *insight.QueryStats) any { return q.Divergences[insight.SourceError] }},
	{bigint("error_mismatches"), func(q *insight.QueryStats) any { return q.Divergences[insight.ErrorMismatch] }},
	{bigint("tag_mismatches"), func(q *insight.QueryStats) any { return q.Divergences[insight.TagMismatch] }},
	{text("query"), func(q *insight.QueryStats) any { return q.Query }},
}

// showMirrorQueries lists the comparison's entries in the engine's order:
// the slowest mirror, relative to its source, first.
func showMirrorQueries(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW MIRROR QUERIES", args); err != nil {
		return nil, err
	}
	return listing("SHOW MIRROR QUERIES", mirrorQueryFields, nil, c.snap.MirrorQueries(false))
}

// mirrorErrorFields are SHOW MIRROR ERRORS' columns: one row per kind of
// divergence of a query on a mirror, with its latest example.
var mirrorErrorFields = []field[insight.Divergence]{
	{text("mirror"), func(d *insight.Divergence) any { return d.Mirror }},
	{text("fingerprint"), func(d *insight.Divergence) any { return fingerprint(d.Fingerprint) }},
	{text("kind"), func(d *insight.Divergence) any { return d.Kind.String() }},
	{text("sqlstate"), func(d *insight.Divergence) any { return d.SQLState }},
	{text("message"), func(d *insight.Divergence) any { return d.Message }},
	{text("source_tag"), func(d *insight.Divergence) any { return d.SourceTag }},
	{text("mirror_tag"), func(d *insight.Divergence) any { return d.MirrorTag }},
	{bigint("count"), func(d *insight.Divergence) any { return d.Count }},
	{text("first_seen"), func(d *insight.Divergence) any { return d.First }},
	{text("last_seen"), func(d *insight.Divergence) any { return d.Last }},
	{text("query"), func(d *insight.Divergence) any { return d.Query }},
}

// showMirrorErrors lists the divergences, newest first.
func showMirrorErrors(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW MIRROR ERRORS", args); err != nil {
		return nil, err
	}
	return listing("SHOW MIRROR ERRORS", mirrorErrorFields, nil, c.snap.MirrorDivergences())
}

// resetMirrorStats empties the comparison and zeroes its totals.
func resetMirrorStats(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("RESET MIRROR STATS", args); err != nil {
		return nil, err
	}
	c.ctl.ResetMirrorStats()
	return &resultSet{tag: "RESET"}, nil
}
