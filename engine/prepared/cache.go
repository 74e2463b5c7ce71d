// cache.go holds the prepared statement cache shared by all pools: one server-side name per distinct statement.

package prepared

import (
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"sync"
	"sync/atomic"

	"github.com/pgdogd/pgdogd/codec"
)

// Stmt is one distinct statement (query text and parameter types). On every
// server it lives under name, which no client can collide with.
type Stmt struct {
	ID    int
	Name  string // "__pgdogd_<id>"
	Query string
	Parse []byte // a complete Parse frame for name; immutable
	// drops: what the statement drops when it runs (DEALLOCATE ALL,
	// DISCARD ALL, DEALLOCATE of a shared name). Immutable.
	Drops Dropping
	// Reads says the statement only reads (sqlscan.ReadOnly): a transaction
	// that binds it may go to a replica. Immutable.
	Reads bool
	// validated is set once a server accepted the statement's Parse: a
	// later Parse of it may be answered without a server.
	Validated atomic.Bool
}

// Cache maps statements to their server-side names. It is touched at
// Parse time only (once per client per statement), under its mutex.
type Cache struct {
	mu    sync.Mutex
	byKey map[string]*Stmt
	byID  map[int]*Stmt
	next  int
	key   []byte // scratch for lookups, under mu

	// Parses, Binds and Evictions count named Parses, Binds and the
	// statements prepared_statements_limit closed, for the metrics.
	Parses, Binds, Evictions atomic.Int64
	bytes                    atomic.Int64 // see Bytes
}

func NewCache() *Cache {
	return &Cache{byKey: map[string]*Stmt{}, byID: map[int]*Stmt{}}
}

// Get returns the statement for a Parse body's query and parameter types,
// adding it on first sight. types is the body after the query's NUL.
func (c *Cache) Get(query, types []byte) *Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.lookup(query, types); st != nil {
		return st
	}
	c.next++
	st := &Stmt{ID: c.next, Name: Name(c.next), Query: string(query)}
	st.Parse = codec.AppendParse(nil, st.Name, query, types)
	st.Drops = DroppingOf(query)
	st.Reads = sqlscan.ReadOnly(query)
	c.byKey[string(c.key)] = st
	c.byID[st.ID] = st
	c.bytes.Add(int64(len(c.key) + len(st.Name) + len(st.Query) + len(st.Parse)))
	return st
}

// Bytes is what the cached statements' texts take: their keys, names,
// queries and Parse frames (not the maps' own overhead).
func (c *Cache) Bytes() int64 { return c.bytes.Load() }

// Find returns the statement for a Parse body's query and parameter types,
// or nil when it was never seen.
func (c *Cache) Find(query, types []byte) *Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookup(query, types)
}

// lookup finds a statement by query and types. Caller holds mu.
func (c *Cache) lookup(query, types []byte) *Stmt {
	c.key = append(append(append(c.key[:0], query...), 0), types...)
	return c.byKey[string(c.key)]
}

// ByName finds a statement by its server-side name.
func (c *Cache) ByName(name []byte) *Stmt {
	id, ok := ID(name)
	if !ok {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// Size is the number of cached statements.
func (c *Cache) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byID)
}

// Statement describes a cached statement, for SHOW PREPARED.
type Statement struct {
	Name  string
	Query string
	Size  int // bytes held for it: its query and its Parse frame
}

// List returns the cached statements.
func (c *Cache) List() []Statement {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Statement, 0, len(c.byID))
	for i := 1; i <= c.next; i++ {
		if st := c.byID[i]; st != nil {
			out = append(out, Statement{Name: st.Name, Query: st.Query, Size: len(st.Query) + len(st.Parse)})
		}
	}
	return out
}
