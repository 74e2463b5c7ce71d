// Package perf holds pgdogd's benchmarks: Go benchmarks of the forwarding
// path, the buffers and the mirror queue (the _timing_test.go files), the
// zero-allocation assertions, and bench.sh, which drives pgbench through
// pgdogd and the anchor poolers. Tests here report numbers; they do not
// assert speed.
package perf
