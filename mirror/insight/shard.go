// shard.go holds a shard of the table: its entries in least-recently-seen order, and its share of the per-mirror totals.

package insight

import (
	"strings"
	"sync"
	"time"

	"github.com/pgdogd/pgdogd/codec/fingerprint"
)

// cacheLine pads shards apart so that two shards' locks never share a line.
const cacheLine = 64

// key identifies an entry.
type key struct {
	fp     uint64
	mirror string
}

// entry is one (fingerprint, mirror) of the comparison.
type entry struct {
	key        key
	prev, next *entry    // towards the most and the least recently seen
	tot        *counters // the shard's totals of the entry's mirror
	text       string    // the example text, clipped
	calls      int64
	last       time.Time
	divs       []*example // by kind, and for the errors by SQLSTATE; at most maxExamples
	src, mir   Histogram
}

// counters are one shard's share of one mirror's totals.
type counters struct {
	mirror   string
	compared int64
	div      [NumDivergenceKinds]int64
}

// shard holds the entries whose fingerprint hashes to it, at most cap of them, and its
// share of the totals. mu guards everything; retired is set once a resize has moved the
// shard's entries to a new set of shards.
type shard struct {
	mu         sync.Mutex
	retired    bool
	cap, n     int
	entries    map[key]*entry
	head, tail *entry // the most and the least recently seen
	totals     map[string]*counters
	_          [cacheLine]byte
}

func (sh *shard) init(capacity int) {
	sh.cap = capacity
	sh.entries = make(map[key]*entry)
	sh.totals = make(map[string]*counters)
}

// counter returns the shard's counters of mirror, created on first use.
func (sh *shard) counter(mirror string) *counters {
	c := sh.totals[mirror]
	if c == nil {
		c = &counters{mirror: strings.Clone(mirror)}
		sh.totals[c.mirror] = c
	}
	return c
}

// record counts st, compared with verdict kind, on mirror.
func (sh *shard) record(mirror string, st *Statement, kind DivergenceKind, now time.Time) {
	e := sh.touch(mirror, st, now)
	var tot *counters
	if e == nil {
		tot = sh.counter(mirror)
	} else {
		tot = e.tot
		e.calls++
		if st.Timed {
			e.src.Observe(st.Source.Latency)
			e.mir.Observe(st.Mirror.Latency)
		}
		if now.After(e.last) {
			e.last = now
		}
		if kind < NumDivergenceKinds {
			e.example(kind, st).record(kind, st, e.text, now)
		}
	}
	tot.compared++
	if kind < NumDivergenceKinds {
		tot.div[kind]++
	}
}

// touch returns st's entry made the most recently seen, created (evicting the least
// recently seen if the shard is full) when missing; nil when the shard holds none.
func (sh *shard) touch(mirror string, st *Statement, now time.Time) *entry {
	if e := sh.entries[key{st.Fingerprint, mirror}]; e != nil {
		if sh.head != e {
			sh.unlink(e)
			sh.pushFront(e)
		}
		return e
	}
	if sh.cap <= 0 {
		return nil
	}
	var e *entry
	if sh.n >= sh.cap {
		e = sh.tail
		sh.evict(e)
		*e = entry{}
	} else {
		e = new(entry)
	}
	e.tot = sh.counter(mirror)
	e.key = key{st.Fingerprint, e.tot.mirror}
	e.text = string(clip(fingerprint.Normalize(nil, st.Text))) // constants as $1, $2, ...
	e.last = now
	sh.insert(e)
	return e
}

// insert adds e as the most recently seen entry, evicting the least recently seen ones
// beyond the shard's capacity.
func (sh *shard) insert(e *entry) {
	sh.entries[e.key] = e
	sh.n++
	sh.pushFront(e)
	sh.shrink()
}

// shrink evicts the least recently seen entries beyond the shard's capacity.
func (sh *shard) shrink() {
	for sh.n > max(sh.cap, 0) {
		sh.evict(sh.tail)
	}
}

func (sh *shard) evict(e *entry) {
	sh.unlink(e)
	delete(sh.entries, e.key)
	sh.n--
}

func (sh *shard) pushFront(e *entry) {
	e.prev, e.next = nil, sh.head
	if sh.head != nil {
		sh.head.prev = e
	} else {
		sh.tail = e
	}
	sh.head = e
}

func (sh *shard) unlink(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		sh.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		sh.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// clear drops every entry and every counter.
func (sh *shard) clear() {
	clear(sh.entries)
	clear(sh.totals)
	sh.head, sh.tail, sh.n = nil, nil, 0
}
