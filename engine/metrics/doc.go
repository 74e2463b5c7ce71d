// Package metrics is the Prometheus endpoint: PgDog's metric names (clients,
// sv_active, total_xact_count, mirror_*, ...) and pgdogd's own (drops by
// reason, replay lag, mirror memory, events, pins, prepared statements),
// served in the text format over HTTP.
//
// Every sample is computed at scrape time from an engine.Snapshot; nothing
// is counted per query here, and the package touches no engine state
// directly.
package metrics
