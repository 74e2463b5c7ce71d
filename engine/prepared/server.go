// server.go holds what one server has prepared, as far as pgdogd knows: the shared statements, their last use, and the Parses not yet answered.

package prepared

import (
	"maps"
	"sort"
)

// ServerView is what one server has prepared, as far as pgdogd knows. The
// view may miss statements the server has (after a DEALLOCATE ALL that
// failed, say) but never lists one it lacks: a statement is injected with a
// Close before its Parse, so a miss costs nothing but the injection. The
// zero value is an empty view. It is used by one goroutine at a time.
type ServerView struct {
	set  map[int]uint64 // statement id -> last use, for LRU eviction
	tick uint64
	// drops counts DEALLOCATE and DISCARD ALL sent, and Parses failed: a
	// view saved before (see Save) holds while it has not changed.
	drops uint64
	// pending: statements whose Parse pgdogd injected and that are not
	// answered yet, with the batch it went in: a later batch cannot count on
	// them (the injection's batch may fail before it).
	pending map[int]uint64
}

// Sure reports whether the server has statement id for a message of batch:
// its Parse was answered, or went in the same batch (which fails with it).
func (v *ServerView) Sure(id int, batch uint64) bool {
	if !v.Has(id) {
		return false
	}
	b, pending := v.pending[id]
	return !pending || b == batch
}

// SentParse records a Parse of statement id sent in batch.
func (v *ServerView) SentParse(id int, batch uint64) {
	v.Add(id)
	if v.pending == nil {
		v.pending = map[int]uint64{}
	}
	v.pending[id] = batch
}

// Answered records the ParseComplete of statement id's Parse sent in batch.
func (v *ServerView) Answered(id int, batch uint64) {
	if b, ok := v.pending[id]; ok && b == batch {
		delete(v.pending, id)
	}
}

// Restore puts back a statement a refused DEALLOCATE ALL took out of the
// view, with its last use, unless the view has it again.
func (v *ServerView) Restore(id int, tick uint64) {
	if v.set == nil {
		v.set = map[int]uint64{}
	}
	if _, ok := v.set[id]; !ok {
		v.set[id] = tick
	}
}

// Has reports whether the server has statement id, and counts it as used.
func (v *ServerView) Has(id int) bool {
	_, ok := v.set[id]
	if ok {
		v.tick++
		v.set[id] = v.tick
	}
	return ok
}

// Add records that the server has statement id, used now.
func (v *ServerView) Add(id int) {
	if v.set == nil {
		v.set = map[int]uint64{}
	}
	v.tick++
	v.set[id] = v.tick
}

// Len is the number of statements in the view.
func (v *ServerView) Len() int { return len(v.set) }

// Forget takes statement id out of the view (it was closed on the server).
func (v *ServerView) Forget(id int) { delete(v.set, id) }

// Dropped takes statement id out of the view as a drop: views saved
// before no longer hold.
func (v *ServerView) Dropped(id int) {
	delete(v.set, id)
	v.drops++
}

// Failed undoes a Parse of statement id that PostgreSQL rejected or skipped.
func (v *ServerView) Failed(id int) {
	delete(v.set, id)
	delete(v.pending, id)
	v.drops++
}

// Save returns a copy of the view, to give back if the drop about to be
// sent is refused, and the count that says whether it still holds then.
func (v *ServerView) Save() (saved map[int]uint64, seq uint64) {
	saved = maps.Clone(v.set)
	v.drops++
	return saved, v.drops
}

// Holds reports whether a view saved with count seq still holds: nothing
// was dropped since.
func (v *ServerView) Holds(seq uint64) bool { return v.drops == seq }

// Reset forgets everything (DISCARD ALL, DEALLOCATE ALL).
func (v *ServerView) Reset() {
	clear(v.set)
	clear(v.pending)
}

// Evictions returns the least recently used statements beyond limit.
func (v *ServerView) Evictions(limit int) []int {
	if limit <= 0 || len(v.set) <= limit {
		return nil
	}
	ids := make([]int, 0, len(v.set))
	for id := range v.set {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return v.set[ids[i]] < v.set[ids[j]] })
	return ids[:len(ids)-limit]
}

// IDs lists the statements of the view, in no order.
func (v *ServerView) IDs() []int {
	ids := make([]int, 0, len(v.set))
	for id := range v.set {
		ids = append(ids, id)
	}
	return ids
}
