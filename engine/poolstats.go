// poolstats.go holds a pool's traffic counters: one shard per loop, folded when read.

package engine

import (
	"sync/atomic"
	"time"
)

// statShard is written by one loop only; atomics keep the readers (admin,
// metrics) race-free without a lock. Padded so loops do not share a line.
type statShard struct {
	xacts, queries  atomic.Uint64
	received, sent  atomic.Uint64
	xactUS, queryUS atomic.Uint64
	waitUS, errors  atomic.Uint64
	_               [64]byte
}

// poolStats are a pool's counters, by loop.
type poolStats struct {
	shards []statShard
}

// StatTotals are the folded counters of a pool.
type StatTotals struct {
	Xacts, Queries, Received, Sent uint64
	XactTime, QueryTime, WaitTime  time.Duration
	Errors                         uint64
}

func (ps *poolStats) shard(li int) *statShard { return &ps.shards[li] }

// totals folds the shards.
func (ps *poolStats) totals() StatTotals {
	var t StatTotals
	for i := range ps.shards {
		s := &ps.shards[i]
		t.Xacts += s.xacts.Load()
		t.Queries += s.queries.Load()
		t.Received += s.received.Load()
		t.Sent += s.sent.Load()
		t.XactTime += time.Duration(s.xactUS.Load()) * time.Microsecond
		t.QueryTime += time.Duration(s.queryUS.Load()) * time.Microsecond
		t.WaitTime += time.Duration(s.waitUS.Load()) * time.Microsecond
		t.Errors += s.errors.Load()
	}
	return t
}
