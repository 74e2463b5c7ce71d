// scrape.go holds what one scrape reads from the engine, once, and the per-pool rows the families are written from.

package metrics

import (
	"cmp"
	"strconv"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// scrape is what one scrape reads.
type scrape struct {
	snap   engine.MetricsSnapshot
	pools  []poolRow
	locked engine.Locked
	// queries are the comparison's top entries, read at their first use
	// (topQueries).
	queries     []insight.QueryStats
	queriesRead bool
}

// poolRow is one pool at the scrape: its counts, its event counters, its
// averages over the last stats period, and its labels.
type poolRow struct {
	info   *engine.PoolInfo
	events engine.PoolEvents // zero for a pool built since the counts were read
	avg    averages
	locked int // servers held by a pinned client
	labels string
}

// PgDog labels a pool's series with its user, database, host, port, shard
// and role; pgdogd does not shard.
const shard = "0"

// poolLabels are a pool's labels, in PgDog's order.
func poolLabels(p *engine.PoolInfo) string {
	return label("user", p.User) + "," + label("database", p.Database) + "," + label("host", p.Host) + "," +
		label("port", strconv.Itoa(p.Port)) + "," + label("shard", shard) + "," + label("role", cmp.Or(p.Replica.Role, "primary"))
}

// readScrape reads the engine once for every family. A loop that does not
// answer in time leaves its counts out, as in SHOW POOLS.
func readScrape(snap engine.MetricsSnapshot, avg *averager) *scrape {
	pools, _ := snap.Pools()
	locked, _ := snap.Locked()
	events := map[engine.PoolID]engine.PoolEvents{}
	for _, ev := range snap.PoolEvents() {
		events[ev.ID] = ev
	}
	s := &scrape{snap: snap, pools: make([]poolRow, len(pools)), locked: locked}
	for i := range pools {
		p := &pools[i]
		s.pools[i] = poolRow{info: p, events: events[p.ID], avg: avg.get(p.ID), locked: locked.Servers[p.ID], labels: poolLabels(p)}
	}
	return s
}
