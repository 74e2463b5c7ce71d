// Package metrics is the Prometheus endpoint: PgDog's metrics under PgDog's
// names, types, units and labels (clients, sv_active{user,database,host,
// port,shard,role}, total_xact_count, mirror_*, ...), pgdogd's own beside
// them under names PgDog does not use (drops by reason, replay lag, mirror
// memory, events, pins, Parse and Bind counts, the comparison of mirrored
// statements), served in the text format over HTTP; and, on the same
// listener, /mirror: the comparison of mirrored statements as a web page.
//
// Every sample is computed at scrape time from an engine.MetricsSnapshot,
// except PgDog's avg_* values, recomputed once per stats period; nothing is
// counted per query here, and the package touches no engine state directly.
// The per-query series of the comparison are bounded by
// mirror_stats_metrics.
package metrics
