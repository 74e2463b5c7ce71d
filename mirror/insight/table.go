// table.go holds the comparison table: (fingerprint, mirror) entries, bounded, least recently seen evicted.

package insight

import (
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The sharding: as many shards as keep each at least minShardCap entries, a power of two,
// at most maxShards.
const (
	minShardCap = 64
	maxShards   = 16
)

// Table is the comparison of mirrored statements. It is safe for concurrent use.
//
// Entries are sharded by a hash of their fingerprint; each shard has its own lock, its own
// share of the capacity and its own least-recently-seen list, so eviction is LRU within a
// shard (the most recent min-shard-capacity entries are always kept). Observe locks one
// shard per statement; the readers, Reset and SetCapacity are serialised by admin, and a
// SetCapacity that changes the number of shards moves the entries to a new set.
type Table struct {
	admin sync.Mutex
	set   atomic.Pointer[shardSet]
}

// shardSet is the table's shards; a resize may replace it whole.
type shardSet struct {
	shards []shard
	shift  uint // a hashed fingerprint's top bits pick its shard
}

// shardCount is the number of shards for a capacity.
func shardCount(capacity int) int {
	n := 1
	for n < maxShards && 2*n*minShardCap <= capacity {
		n *= 2
	}
	return n
}

// shareOf is shard i's part of capacity split among n shards.
func shareOf(capacity, n, i int) int {
	capacity = max(capacity, 0)
	c := capacity / n
	if i < capacity%n {
		c++
	}
	return c
}

func newShardSet(capacity int) *shardSet {
	n := shardCount(capacity)
	s := &shardSet{shards: make([]shard, n), shift: uint(65 - bits.Len(uint(n)))}
	for i := range s.shards {
		s.shards[i].init(shareOf(capacity, n, i))
	}
	return s
}

// of returns fp's shard.
func (s *shardSet) of(fp uint64) *shard {
	if len(s.shards) == 1 {
		return &s.shards[0]
	}
	return &s.shards[(fp*0x9e3779b97f4a7c15)>>s.shift]
}

// NewTable returns a table of at most capacity (fingerprint, mirror) entries.
func NewTable(capacity int) *Table {
	t := &Table{}
	t.set.Store(newShardSet(capacity))
	return t
}

// lock returns fp's shard, locked, in the current set.
func (t *Table) lock(fp uint64) *shard {
	for {
		sh := t.set.Load().of(fp)
		sh.mu.Lock()
		if !sh.retired {
			return sh
		}
		sh.mu.Unlock()
	}
}

// SetCapacity changes the bound; entries beyond it are evicted, least recently seen first.
func (t *Table) SetCapacity(n int) {
	t.admin.Lock()
	defer t.admin.Unlock()
	old := t.set.Load()
	if len(old.shards) != shardCount(n) {
		t.reshard(old, n)
		return
	}
	for i := range old.shards {
		sh := &old.shards[i]
		sh.mu.Lock()
		sh.cap = shareOf(n, len(old.shards), i)
		sh.shrink()
		sh.mu.Unlock()
	}
}

// reshard moves old's entries and totals to a new set of shards for capacity, the
// least recently seen inserted first so that they are the ones evicted. Called with admin.
func (t *Table) reshard(old *shardSet, capacity int) {
	for i := range old.shards {
		old.shards[i].mu.Lock()
	}
	var moved []*entry
	for i := range old.shards {
		for e := old.shards[i].tail; e != nil; e = e.prev {
			moved = append(moved, e)
		}
	}
	slices.SortStableFunc(moved, func(a, b *entry) int { return a.last.Compare(b.last) })
	set := newShardSet(capacity)
	first := &set.shards[0]
	for i := range old.shards {
		for _, c := range old.shards[i].totals {
			to := first.counter(c.mirror)
			to.compared += c.compared
			for k, d := range c.div {
				to.div[k] += d
			}
		}
	}
	for _, e := range moved {
		sh := set.of(e.key.fp)
		e.tot = sh.counter(e.key.mirror)
		e.key.mirror = e.tot.mirror
		sh.insert(e)
	}
	t.set.Store(set)
	for i := range old.shards {
		sh := &old.shards[i]
		sh.retired = true
		sh.clear()
		sh.mu.Unlock()
	}
}

// Observe records the statements of one replayed transaction on mirror.
func (t *Table) Observe(mirror string, sts []Statement, now time.Time) {
	for i := range sts {
		st := &sts[i]
		compared, kind := judge(st)
		if !compared {
			continue
		}
		sh := t.lock(st.Fingerprint)
		sh.record(mirror, st, kind, now)
		sh.mu.Unlock()
	}
}

// Reset empties the table and zeroes the totals.
func (t *Table) Reset() {
	t.admin.Lock()
	defer t.admin.Unlock()
	set := t.set.Load()
	for i := range set.shards {
		sh := &set.shards[i]
		sh.mu.Lock()
		sh.clear()
		sh.mu.Unlock()
	}
}

// Len is the number of entries.
func (t *Table) Len() int {
	n := 0
	t.each(func(sh *shard) { n += sh.n })
	return n
}

// each calls f with every shard of the current set in turn, locked, under admin.
func (t *Table) each(f func(*shard)) {
	t.admin.Lock()
	defer t.admin.Unlock()
	set := t.set.Load()
	for i := range set.shards {
		sh := &set.shards[i]
		sh.mu.Lock()
		f(sh)
		sh.mu.Unlock()
	}
}
