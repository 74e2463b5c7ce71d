// snapshot.go holds the engine's read-only face: the plain values the admin console and the metrics are built from.

package engine

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/engine/session"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// Snapshot is what observers of the engine (the admin console, the metrics
// endpoint) may read. Every method returns values the caller owns; none
// hands out the engine's own objects. Methods that read loop-owned state
// run a task on every loop and wait for it: never call them on a loop.
type Snapshot interface {
	// Config is the configuration in force (never modified: SET and RELOAD
	// store a new one).
	Config() *config.Config
	// Pools describes every running pool, in configuration order; its error
	// says a loop did not answer in time (the counts read on loops are then
	// partial).
	Pools() ([]PoolInfo, error)
	// Mirrors describes every mirror of every running pool, without
	// waiting for the loops.
	Mirrors() []MirrorInfo
	// PoolTotals is every running pool's traffic counters, without
	// waiting for the loops.
	PoolTotals() []PoolTotals
	// Clients and Servers describe the connections on the loops.
	Clients() ([]ClientInfo, error)
	Servers() ([]ServerInfo, error)
	// Counts is what SHOW LISTS reports beside the pools.
	Counts() Counts
	// Events are the process-wide counters of rare events, pins by kind
	// of session state, and the prepared statement cache.
	Events() []Counter
	Pins() []Counter
	Prepared() PreparedStats
	// PreparedStatements lists the cached statements, with how many
	// clients use each (read on the loops: its error says a loop did not
	// answer in time, and the counts are then partial).
	PreparedStatements() ([]PreparedStatement, error)
	// MirrorMemory is the bytes mirror queues hold and may hold.
	MirrorMemory() (used, limit int64)
	// MirrorQueries is the comparison of mirrored statements with their
	// source, one row per (fingerprint, mirror), the mirror's slowest
	// first; with buckets, each latency carries its histogram.
	MirrorQueries(buckets bool) []insight.QueryStats
	// MirrorDivergences lists where mirrors disagreed with the source,
	// newest first.
	MirrorDivergences() []insight.Divergence
	// MirrorTotals are each mirror's statements compared and divergences.
	MirrorTotals() []insight.Totals
}

// PoolID tells pools apart across RELOADs: a pool rebuilt by a RELOAD has a new one.
type PoolID uint64

// PoolTotals is one pool's name, its server's address and its traffic counters.
type PoolTotals struct {
	ID             PoolID
	Database, User string
	Host           string
	Port           int
	Totals         StatTotals
	Replica        ReplicaInfo // Role "primary" for a primary
}

// ReplicaInfo is a pool's role and, for a replica, its ban and health-check counters.
type ReplicaInfo struct {
	Role          string // "primary" or "replica"
	Banned        bool
	BanReason     string
	Bans, Unbans  int64 // times banned and put back
	Checks        int64 // health checks run
	CheckFailures int64
	Reads         int64 // transactions routed here to read
}

// PoolInfo is one pool at one moment.
type PoolInfo struct {
	PoolTotals
	Mode                 config.Mode
	Clients              int // registered clients using the pool
	ClActive, ClWaiting  int
	SvActive, SvIdleXact int // linked to a client; of which idle in a transaction
	SvIdle, SvTotal      int
	MaxWait              time.Duration
	Paused               bool
	Mirrors              []MirrorInfo
}

// MirrorInfo is one mirror of a pool.
type MirrorInfo struct {
	User                            string // the pool's
	Source, Destination             string
	Total, Mirrored, Errors, Queued int64
	Dropped                         []Counter // by reason, in DropReasons order
	Exposure                        float64
	QueueCapacity                   int64
	Lag, LagP50, LagP99             time.Duration
}

// ConnCounts are one connection's traffic counters since it opened, for
// SHOW CLIENTS and SHOW SERVERS, counted as the pool's are: bytes are those
// forwarded between a client and a server (Received: from the connection,
// Sent: to it), queries are Query, FunctionCall and Execute messages, a
// transaction ends when the server is idle again. Only the connection's
// loop writes them: plain fields, which the snapshot reads there.
type ConnCounts struct {
	Queries, Xacts, Errors    uint64
	Received, Sent            uint64
	Wait, QueryTime, XactTime time.Duration // waiting for a server (clients), running queries, transactions
}

// ClientInfo is one client connection, read on its loop.
type ClientInfo struct {
	User, Database, State  string
	Remote, Local          net.Addr
	ConnectedAt, RequestAt time.Time
	Wait                   time.Duration
	ID                     uint32 // the process ID pgdogd gave it
	Link                   uint32 // its server's process ID; 0: none
	ApplicationName        string
	Loop                   int
	Pinned                 string // the kinds of session state that pin it
	TLS                    string // the TLS version; "" without TLS
	PreparedStatements     int    // its named prepared statements (where pgdogd rewrites them: transaction mode)
	Counts                 ConnCounts
}

// ServerInfo is one server connection, read on its loop.
type ServerInfo struct {
	User, Database, State  string
	Host                   string
	Port                   int
	Local                  net.Addr
	ConnectedAt, RequestAt time.Time
	PID                    uint32 // 0 until known
	TxStatus               byte
	Link                   uint32 // its client's process ID; 0: none
	Loop                   int
	Pool                   PoolID
	PreparedStatements     int    // statements of the shared cache prepared on it
	ApplicationName        string // its application_name setting
	Counts                 ConnCounts
}

// Counts are the engine's sizes that are not per pool.
type Counts struct {
	Clients int // every client connection, from startup to close
	Loops   int
}

// Counter is a named count.
type Counter struct {
	Name string
	N    int64
}

// PreparedStatement is a cached statement and its server-side name, for SHOW PREPARED.
type PreparedStatement struct {
	Name, Query string
	UsedBy      int // clients that have it prepared under a name of theirs
	Memory      int // bytes the cache holds for it
}

// PreparedStats are the shared prepared statement cache's counters.
type PreparedStats struct {
	Statements               int
	Parses, Binds, Evictions int64
}

var poolIDs atomic.Uint64

// DropReasons names why a mirror did not replay a transaction, in MirrorInfo.Dropped's order.
func DropReasons() []string { return mirroring.DropReasonNames[:] }

// Snapshot returns the engine's read-only face.
func (e *Engine) Snapshot() Snapshot { return snapshot{e} }

// snapshot implements Snapshot on an Engine.
type snapshot struct{ e *Engine }

func (s snapshot) Config() *config.Config { return s.e.cfg.Load() }

func (s snapshot) PoolTotals() []PoolTotals {
	list := s.e.pools.Load().list
	out := make([]PoolTotals, len(list))
	for i, p := range list {
		out[i] = p.totals()
	}
	return out
}

func (s snapshot) Mirrors() []MirrorInfo {
	var out []MirrorInfo
	for _, p := range s.e.pools.Load().list {
		out = append(out, p.mirrorInfos()...)
	}
	return out
}

func (s snapshot) Counts() Counts {
	return Counts{Clients: s.e.clients.count(), Loops: s.e.knownLoops()}
}

func (s snapshot) Events() []Counter {
	evs := s.e.stats.events()
	out := make([]Counter, len(evs))
	for i, ev := range evs {
		out[i] = Counter{ev.name, ev.n.Load()}
	}
	return out
}

func (s snapshot) Pins() []Counter {
	out := make([]Counter, session.NumPins)
	for k := range session.NumPins {
		out[k] = Counter{session.PinNames[k], s.e.stats.pins[k].Load()}
	}
	return out
}

func (s snapshot) Prepared() PreparedStats {
	c := s.e.stmts
	return PreparedStats{Statements: c.Size(), Parses: c.Parses.Load(), Binds: c.Binds.Load(), Evictions: c.Evictions.Load()}
}

// PreparedStatements lists the cached statements; UsedBy is counted on the loops.
func (s snapshot) PreparedStatements() ([]PreparedStatement, error) {
	perLoop, err := onLoops(s.e, stmtUsers)
	used := map[string]int{}
	for _, m := range perLoop {
		for name, n := range m {
			used[name] += n
		}
	}
	list := s.e.stmts.List()
	out := make([]PreparedStatement, len(list))
	for i, st := range list {
		out[i] = PreparedStatement{Name: st.Name, Query: st.Query, UsedBy: used[st.Name], Memory: st.Size}
	}
	return out, err
}

// stmtUsers runs on a loop: how many of its clients hold each cached
// statement (by server-side name) under a name of theirs.
func stmtUsers(_ *loopState, clients []*client) map[string]int {
	m := map[string]int{}
	for _, cl := range clients {
		if cl.state == clClosed {
			continue
		}
		seen := map[string]bool{}
		for _, st := range cl.stmts.named {
			if !seen[st.Name] {
				seen[st.Name] = true
				m[st.Name]++
			}
		}
	}
	return m
}

func (s snapshot) MirrorQueries(buckets bool) []insight.QueryStats {
	return s.e.insight.Queries(buckets)
}

func (s snapshot) MirrorDivergences() []insight.Divergence { return s.e.insight.Divergences() }

func (s snapshot) MirrorTotals() []insight.Totals { return s.e.insight.Totals() }

func (s snapshot) MirrorMemory() (used, limit int64) {
	mirroring.Check(s.e.log, s.e.cfg.Load()) // the configuration may have changed since the last mirrored transaction
	return max(mirroring.Memory.Used(), 0), max(mirroring.Memory.Limit(), 0)
}

func (e *Engine) knownLoops() int {
	e.loopsMu.Lock()
	defer e.loopsMu.Unlock()
	return len(e.loops)
}

// totals is the pool's name and counters.
func (p *pool) totals() PoolTotals {
	return PoolTotals{ID: p.id, Database: p.cfg.database, User: p.cfg.user, Host: p.cfg.host, Port: p.cfg.port,
		Totals: p.stats.totals(), Replica: p.replicaInfo()}
}

// mirrorInfos describes the pool's mirrors.
func (p *pool) mirrorInfos() []MirrorInfo {
	out := make([]MirrorInfo, len(p.mirrors))
	for i, d := range p.mirrors {
		st := &d.stats
		m := MirrorInfo{User: p.cfg.user, Source: d.sourceDB, Destination: d.destDB, Total: st.total.Load(), Mirrored: st.mirrored.Load(),
			Errors: st.errors.Load(), Queued: st.queued.Load(), Exposure: d.getExposure(), QueueCapacity: d.queueLen.Load(),
			Lag: time.Duration(st.lagNanos.Load()), LagP50: st.lag.Quantile(0.5), LagP99: st.lag.Quantile(0.99)}
		m.Dropped = make([]Counter, mirroring.NumDropReasons)
		for r := range st.dropped {
			m.Dropped[r] = Counter{mirroring.DropReasonNames[r], st.dropped[r].Load()}
		}
		out[i] = m
	}
	return out
}
