// prepared.go holds the prepared statement cache shared by all pools, and the frame surgery it needs.

package engine

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pgdogd/pgdogd/codec"
)

// stmt is one distinct statement (query text and parameter types). On every
// server it lives under name, which no client can collide with.
type stmt struct {
	id    int
	name  string // "__pgdogd_<id>"
	query string
	parse []byte // a complete Parse frame for name; immutable
	// drops: what the statement drops when it runs (DEALLOCATE ALL,
	// DISCARD ALL, DEALLOCATE of a shared name). Immutable.
	drops dropping
	// validated is set once a server accepted the statement's Parse: a
	// later Parse of it may be answered without a server.
	validated atomic.Bool
}

// stmtCache maps statements to their server-side names. It is touched at
// Parse time only (once per client per statement), under its mutex.
type stmtCache struct {
	mu    sync.Mutex
	byKey map[string]*stmt
	byID  map[int]*stmt
	next  int
	key   []byte // scratch for lookups, under mu

	parses, binds, evictions atomic.Int64
}

func newStmtCache() *stmtCache {
	return &stmtCache{byKey: map[string]*stmt{}, byID: map[int]*stmt{}}
}

// get returns the statement for a Parse body's query and parameter types,
// adding it on first sight. types is the body after the query's NUL.
func (c *stmtCache) get(query, types []byte) *stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.lookup(query, types); st != nil {
		return st
	}
	c.next++
	st := &stmt{id: c.next, name: stmtName(c.next), query: string(query)}
	st.parse = codec.AppendParse(nil, st.name, query, types)
	st.drops = droppingOf(query)
	c.byKey[string(c.key)] = st
	c.byID[st.id] = st
	return st
}

// find returns the statement for a Parse body's query and parameter types,
// or nil when it was never seen.
func (c *stmtCache) find(query, types []byte) *stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookup(query, types)
}

// lookup finds a statement by query and types. Caller holds mu.
func (c *stmtCache) lookup(query, types []byte) *stmt {
	c.key = append(append(append(c.key[:0], query...), 0), types...)
	return c.byKey[string(c.key)]
}

// byName finds a statement by its server-side name.
func (c *stmtCache) byName(name []byte) *stmt {
	id, ok := stmtID(name)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// size is the number of cached statements.
func (c *stmtCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID)
}

// PreparedStatement describes a cached statement, for SHOW PREPARED.
type PreparedStatement struct {
	Name  string
	Query string
}

// list returns the cached statements.
func (c *stmtCache) list() []PreparedStatement {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]PreparedStatement, 0, len(c.byID))
	for i := 1; i <= c.next; i++ {
		if st := c.byID[i]; st != nil {
			out = append(out, PreparedStatement{Name: st.name, Query: st.query})
		}
	}
	return out
}

const stmtPrefix = "__pgdogd_"

// stmtName is the server-side name of statement id.
func stmtName(id int) string { return stmtPrefix + strconv.Itoa(id) }

// stmtID reads N from "__pgdogd_N".
func stmtID(name []byte) (int, bool) {
	if len(name) <= len(stmtPrefix) || len(name) > len(stmtPrefix)+15 || string(name[:len(stmtPrefix)]) != stmtPrefix {
		return 0, false
	}
	n := 0
	for _, ch := range name[len(stmtPrefix):] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// cstring splits a NUL-terminated string off the front of b.
func cstring(b []byte) (s, rest []byte, ok bool) {
	for i, ch := range b {
		if ch == 0 {
			return b[:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// parseBody reads a Parse body: statement name, query, and the rest (parameter types).
func parseBody(body []byte) (name, query, types []byte, ok bool) {
	name, rest, ok := cstring(body)
	if !ok {
		return nil, nil, nil, false
	}
	query, types, ok = cstring(rest)
	return name, query, types, ok
}
