// compare.go holds the pairing of a replayed transaction's statements: their texts from the captured requests, their outcomes on the source and on the mirror.

package mirror

import (
	"bytes"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/fingerprint"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// Comparer pairs each statement of a transaction as the source ran it with the
// same statement as the mirror ran it. A statement is known by its place: the
// sync point it belongs to (each Query, Sync and FunctionCall of the
// transaction ends one, answered by one ReadyForQuery) and its rank among the
// statements of that sync point (each statement of a Query's text, each
// Execute before a Sync). An error makes the server skip the rest of its sync
// point, so the outcomes of the two sides line up by place whatever failed.
// A Comparer is used by one goroutine; it keeps the texts of the named
// statements it saw prepared, for later transactions of the same client.
type Comparer struct {
	// Lookup, when set, returns the text of a prepared statement the
	// transaction binds without parsing it (prepared by an earlier one).
	Lookup func(name []byte) []byte

	names   map[string][]byte // statement name -> text, kept across transactions
	unnamed []byte            // the unnamed statement's text, kept across transactions
	portals map[string][]byte // portal -> text, within one transaction
	frames  codec.Walker
	arena   []byte // frames that records split, put back together
	slots   []slot
	src     []placed
	mir     []placed
	out     []insight.Statement
}

// slot is a statement's place and text.
type slot struct {
	group, rank int
	text        []byte
}

// placed is an outcome and its place.
type placed struct {
	group, rank int
	o           insight.Outcome
}

// maxNames bounds the statement names a Comparer remembers.
const maxNames = 4096

// maxAssembled bounds a frame put back together from several records: a
// larger Query or Parse is compared by its first maxAssembled bytes.
const maxAssembled = 1 << 20

// unknownText stands for a statement whose text the capture does not hold.
var unknownText = []byte("/* statement not captured */")

// Compare pairs the statements of one transaction: reqs are its captured
// request records, source and mirror the outcome records of each side; timed
// says the mirror ran each request alone (Replayer.TimeEach), so that its
// latencies are each statement's own. The statements it returns, and their
// texts and tags, are valid until the next Compare or until reqs, source or
// mirror change.
func (c *Comparer) Compare(reqs, source, mirror []byte, timed bool) []insight.Statement {
	c.slots, c.arena = c.slots[:0], c.arena[:0]
	clear(c.portals)
	c.walkRequests(reqs)
	c.src = placeOutcomes(c.src[:0], source)
	c.mir = placeOutcomes(c.mir[:0], mirror)
	c.out = c.out[:0]
	i, j, k := 0, 0, 0
	for i < len(c.src) || j < len(c.mir) {
		st := insight.Statement{Timed: timed}
		var g, r int
		switch {
		case j >= len(c.mir) || i < len(c.src) && before(c.src[i], c.mir[j]):
			st.Source, g, r = c.src[i].o, c.src[i].group, c.src[i].rank
			i++
		case i >= len(c.src) || before(c.mir[j], c.src[i]):
			st.Mirror, g, r = c.mir[j].o, c.mir[j].group, c.mir[j].rank
			j++
		default:
			st.Source, st.Mirror, g, r = c.src[i].o, c.mir[j].o, c.src[i].group, c.src[i].rank
			i++
			j++
		}
		for k < len(c.slots) && (c.slots[k].group < g || c.slots[k].group == g && c.slots[k].rank < r) {
			k++
		}
		st.Text = unknownText
		if k < len(c.slots) && c.slots[k].group == g && c.slots[k].rank == r && c.slots[k].text != nil {
			st.Text = c.slots[k].text
		}
		st.Fingerprint = fingerprint.Of(st.Text)
		c.out = append(c.out, st)
	}
	return c.out
}

// before orders places.
func before(a, b placed) bool { return a.group < b.group || a.group == b.group && a.rank < b.rank }

// placeOutcomes reads outcome records into dst with their places.
func placeOutcomes(dst []placed, buf []byte) []placed {
	group, rank := 0, 0
	for len(buf) > 0 {
		o, sync, n, ok := NextOutcome(buf)
		if !ok {
			break
		}
		buf = buf[n:]
		if sync {
			group, rank = group+1, 0
			continue
		}
		dst = append(dst, placed{group: group, rank: rank, o: o})
		rank++
	}
	return dst
}

// walkRequests finds the statements of the captured requests, in order.
func (c *Comparer) walkRequests(reqs []byte) {
	c.frames.Reset()
	var g, r int
	assembling := false
	for len(reqs) > 0 {
		_, req, n, ok := NextRecord(reqs)
		if !ok {
			return
		}
		reqs = reqs[n:]
		for len(req) > 0 {
			p, err := c.frames.Next(req)
			if err != nil || len(p.Bytes) == 0 {
				return // not frames: what the source refused
			}
			req = req[len(p.Bytes):]
			var frame []byte
			switch {
			case p.Whole():
				frame = p.Bytes
			case p.First:
				assembling = wanted(p.Type)
				if assembling {
					c.arena = append(c.arena, p.Bytes...)
				}
				continue
			case assembling:
				if len(c.arena) < maxAssembled {
					c.arena = append(c.arena, p.Bytes[:min(len(p.Bytes), maxAssembled-len(c.arena))]...)
				}
				if !p.Last {
					continue
				}
				frame, c.arena = c.arena, c.arena[len(c.arena):] // later frames go after it
				assembling = false
			default:
				continue
			}
			g, r = c.frame(frame, g, r)
		}
	}
}

// wanted reports whether a frame of type typ names or runs a statement.
func wanted(typ byte) bool {
	return typ == codec.MsgQuery || typ == codec.MsgParse || typ == codec.MsgBind
}

// frame reads one request frame at place (g, r) and returns the place after it.
func (c *Comparer) frame(f []byte, g, r int) (int, int) {
	if len(f) < codec.HeaderLen {
		return g, r
	}
	body := f[codec.HeaderLen:]
	switch f[0] {
	case codec.MsgQuery:
		// A simple query: each of its statements, then one sync point.
		stmts := sqlscan.Split(body)
		for {
			s, _, ok := stmts.Next()
			if !ok {
				break
			}
			c.slots = append(c.slots, slot{g, r, s})
			r++
		}
		if r == 0 {
			c.slots = append(c.slots, slot{g, 0, body[:0]}) // answered by EmptyQueryResponse
		}
		return g + 1, 0
	case codec.MsgParse:
		// A statement prepared: its text is kept by name.
		name, rest := cstring(body)
		query, _ := cstring(rest)
		c.remember(name, query)
	case codec.MsgBind:
		// A portal made from a statement.
		portal, rest := cstring(body)
		name, _ := cstring(rest)
		if c.portals == nil {
			c.portals = make(map[string][]byte)
		}
		c.portals[string(portal)] = c.textOf(name)
	case codec.MsgExecute:
		// A statement run: it takes the next rank.
		portal, _ := cstring(body)
		c.slots = append(c.slots, slot{g, r, c.portals[string(portal)]})
		return g, r + 1
	case codec.MsgSync, codec.MsgFunctionCall:
		// A sync point: one ReadyForQuery answers it.
		return g + 1, 0
	}
	return g, r
}

// remember keeps a prepared statement's text.
func (c *Comparer) remember(name, query []byte) {
	if len(name) == 0 {
		c.unnamed = bytes.Clone(query) // the portals bound to the last one keep its text
		return
	}
	if c.names == nil || len(c.names) >= maxNames {
		c.names = make(map[string][]byte)
	}
	c.names[string(name)] = bytes.Clone(query)
}

// textOf returns the text of the statement named name.
func (c *Comparer) textOf(name []byte) []byte {
	if len(name) == 0 {
		return c.unnamed
	}
	if q, ok := c.names[string(name)]; ok {
		return q
	}
	if c.Lookup == nil {
		return nil
	}
	q := c.Lookup(name)
	if q != nil {
		c.remember(name, q) // the next transaction finds it here
	}
	return q
}

// cstring splits a NUL-terminated string off b.
func cstring(b []byte) (s, rest []byte) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i+1:]
}
