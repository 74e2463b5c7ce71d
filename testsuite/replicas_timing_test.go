// replicas_timing_test.go benchmarks pgbench -S through pgdogd with 0, 1 and 2 streaming replicas taking the reads.

package testsuite

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkReplicaReads runs pgbench -S (16 clients, simple protocol, 10 s) through pgdogd
// in front of a primary and 0, 1 or 2 of its replicas, reads round robin over the replicas
// only (the primary's alone with none), and reports the TPS. Every server and pgbench share
// the machine's cores: the numbers compare the routing's cost, not a cluster's capacity.
// Run: go test -run '^$' -bench ReplicaReads -benchtime 1x ./testsuite/
func BenchmarkReplicaReads(b *testing.B) {
	rs := StartReplicaSetWith(b, ReplicaSetOptions{Replicas: 2, PgbenchScale: 1})
	for _, n := range []int{0, 1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			sub := &ReplicaSet{Primary: rs.Primary, Replicas: rs.Replicas[:n]}
			p, _ := replicaProxy(b, sub, func(g *General) { g.HealthcheckInterval = 5000 })
			var tps float64
			for range b.N {
				ctx := testCtx(b, 60*time.Second)
				res, out, err := p.Pgbench(ctx, Alice, "-n", "-S", "-M", "simple", "-c", "16", "-j", "2", "-T", "10")
				if err != nil {
					b.Fatalf("pgbench: %v\n%s", err, out)
				}
				tps = res.TPS
			}
			b.ReportMetric(tps, "tps")
		})
	}
}
