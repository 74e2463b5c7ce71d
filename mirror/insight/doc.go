// Package insight compares each mirrored statement with its source run: latency, command
// tag and SQLSTATE, grouped per query fingerprint and mirror in a table bounded in memory
// (the least recently seen entry is evicted). The replay goroutines feed it; the admin
// console, the metrics and the /mirror report read it. It knows nothing of sockets or of
// the engine.
package insight
