// emit.go holds the emitter: what reaches the hash once constants are gone, with empty lists and groups elided.

package fingerprint

// emitter takes the tokens that survive the walk and hashes them, dropping
// what the constants leave behind: a "(...)" group that holds nothing else
// vanishes (as "f(1)" is "f()" and "numeric(10,2)" is "numeric" to
// libpg_query), and a comma is kept only between two elements that both hold
// something (as libpg_query drops duplicates from its lists, and constants
// all fingerprint alike). "[...]" groups are always kept.
//
// Depth d's state is bit d%64 of emitted (the current element at depth d has
// hashed a token) and comma (a comma waits there for the next element); the
// innermost pending "(" are those not yet hashed because nothing followed
// them yet.
type emitter struct {
	h       hasher
	depth   int // open groups
	pending int // innermost open "(" not hashed yet
	emitted uint64
	comma   uint64
}

func bit(d int) uint64 { return 1 << (uint(d) & 63) }

// flush hashes the pending "(" and commas in front of the token about to be hashed.
func (e *emitter) flush() {
	for d := e.depth - e.pending + 1; d <= e.depth; d++ {
		e.sep(d - 1)
		e.h.punct('(')
		e.emitted |= bit(d - 1)
	}
	e.pending = 0
	e.sep(e.depth)
	e.emitted |= bit(e.depth)
}

// sep hashes the comma waiting at depth d, if any.
func (e *emitter) sep(d int) {
	if e.comma&bit(d) != 0 {
		e.comma &^= bit(d)
		e.h.punct(',')
	}
}

// open starts a group: "(" lazily, "[" at once.
func (e *emitter) open(c byte) {
	if c == '[' {
		e.flush()
		e.h.punct('[')
	} else {
		e.pending++
	}
	e.depth++
	e.emitted &^= bit(e.depth)
	e.comma &^= bit(e.depth)
}

// close ends a group; a "(" group that hashed nothing vanishes.
func (e *emitter) close(c byte) {
	if e.depth == 0 {
		e.punct(c)
		return
	}
	e.comma &^= bit(e.depth)
	e.depth--
	if e.pending > 0 {
		e.pending--
		return
	}
	e.h.punct(c)
	e.emitted |= bit(e.depth)
}

// startList makes what follows the first element of a list at the current
// depth, as after "(".
func (e *emitter) startList() {
	e.emitted &^= bit(e.depth)
	e.comma &^= bit(e.depth)
}

// separator takes a comma: it is hashed only if an element with something
// in it comes after one with something in it.
func (e *emitter) separator() {
	if e.emitted&bit(e.depth) != 0 {
		e.comma |= bit(e.depth)
		e.emitted &^= bit(e.depth)
	}
}

// punct hashes one byte of punctuation.
func (e *emitter) punct(c byte) {
	e.flush()
	e.h.punct(c)
}

// token hashes a token of class class.
func (e *emitter) token(class byte, b []byte, fold bool) {
	e.flush()
	e.h.token(class, b, fold)
}

// word hashes the lower-case keyword w.
func (e *emitter) word(w string) {
	e.flush()
	e.h.word(w)
}

// endStatement forgets the groups left open by a statement (its text may be
// cut short) before the next one.
func (e *emitter) endStatement() {
	e.depth, e.pending, e.emitted, e.comma = 0, 0, 0, 0
}
