// Package insight compares each mirrored statement with its source run: latency, command
// tag and SQLSTATE, grouped per query fingerprint and mirror in a table bounded in memory
// (the least recently seen entry is evicted). The replay goroutines feed it; the admin
// console, the metrics and the /mirror report read it. It knows nothing of sockets or of
// the engine.
//
// # Rules
//
// A statement either side skipped (Missing) is ignored, and so is one the mirror refused
// with 25P02 (in_failed_sql_transaction) while the source did not fail: that is the
// consequence of an earlier divergence in the mirror's transaction, not a new one. Every
// other statement is a call, both latencies observed, and is judged (judge.go): the mirror
// alone failed (mirror_error), the source alone (source_error), both with different
// SQLSTATEs (error_mismatch), or neither but with different kinds or command tags
// (tag_mismatch, "UPDATE 1" against "UPDATE 0"). Each entry keeps its divergences as
// examples: one per error kind and SQLSTATE, with the first message and statement of that
// SQLSTATE, and one for tag mismatches, with the latest tags; each with its count and first
// and last times, at most eight per entry (past that a new SQLSTATE is counted with its
// kind's first example). Each mirror's totals are kept apart from the entries, so that they
// survive eviction.
//
// # Histograms
//
// Each entry keeps a Histogram per side (histogram.go): fixed buckets, the first up to
// 1024 ns, then four per doubling (each at most 25 % wider than its lower bound) up to
// 2^37 ns (about 137 s), then +Inf: 110 buckets of int64 counts, with the exact sum,
// minimum and maximum. Histograms merge by adding counts; a quantile is interpolated within
// its bucket, so it is off by less than that bucket's width.
//
// # Sharding
//
// The table is a sharded LRU (table.go, shard.go): entries are spread by a hash of their
// fingerprint over a power of two of shards, at most 16 and each of at least 64 entries
// (so one shard under 128 entries, 8 for the default 1000), each with its own mutex,
// least-recently-seen list and share of the capacity. Observe locks one shard per
// statement, so replay goroutines rarely contend; eviction is least recently seen within a
// shard, which keeps at least the capacity/shards most recently seen entries. A
// SetCapacity that changes the number of shards moves every entry to a new set of shards,
// those seen last kept; the readers, Reset and SetCapacity are serialised by one mutex.
//
// # Cost
//
// Observe on an existing entry allocates nothing: strings (example text, tags, message)
// are copied, clipped to 256 bytes at a UTF-8 boundary, only when an entry or an example
// is created or an example's bytes change. It costs about 36 ns per statement (one
// shard lock, a map lookup, two histogram updates; BenchmarkObserve).
//
// An entry takes about 2.2 KiB of heap with a 100-byte text (TestMemoryPerEntry: the two
// histograms are 1.8 KiB of it), about 2.3 KiB with a full 256-byte text; a divergence
// example adds about 0.25 KiB, up to 0.7 KiB with a distinct 256-byte text and message.
// The default mirror_stats_queries of 1000 entries so costs 2.2 to 2.5 MB, at worst (every
// entry with eight full examples) about 8 MB.
package insight
