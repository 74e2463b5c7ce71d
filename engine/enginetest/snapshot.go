// Package enginetest holds a fake engine for the tests of the engine's
// observers (engine/admin, engine/metrics): a Snapshot of fixed values,
// with a fixture of one pool, one mirror, one client and two servers.
//
// It is for tests only; nothing in the pooler imports it.
package enginetest

import (
	"errors"
	"net"
	"time"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// Snapshot is an engine.Snapshot returning its fields; a nil LoopErr
// means every loop answered.
type Snapshot struct {
	Cfg        config.Config
	PoolInfos  []engine.PoolInfo
	ClientList []engine.ClientInfo
	ServerList []engine.ServerInfo
	CountsOf   engine.Counts
	EventList  []engine.Counter
	PinList    []engine.Counter
	Stats      engine.PreparedStats
	Stmts      []engine.PreparedStatement
	Used       int64
	Limit      int64
	LoopErr    error
	// Queries, Divergences and MirrorTotalList are the comparison of
	// mirrored statements.
	Queries         []insight.QueryStats
	Divergences     []insight.Divergence
	MirrorTotalList []insight.Totals
}

var _ engine.Snapshot = (*Snapshot)(nil)

// Config returns &s.Cfg.
func (s *Snapshot) Config() *config.Config { return &s.Cfg }

// Pools returns PoolInfos and LoopErr.
func (s *Snapshot) Pools() ([]engine.PoolInfo, error) { return s.PoolInfos, s.LoopErr }

// PoolTotals returns the pools' totals.
func (s *Snapshot) PoolTotals() []engine.PoolTotals {
	out := make([]engine.PoolTotals, len(s.PoolInfos))
	for i, p := range s.PoolInfos {
		out[i] = p.PoolTotals
	}
	return out
}

// Mirrors returns the pools' mirrors.
func (s *Snapshot) Mirrors() []engine.MirrorInfo {
	var out []engine.MirrorInfo
	for _, p := range s.PoolInfos {
		out = append(out, p.Mirrors...)
	}
	return out
}

// Clients returns ClientList and LoopErr.
func (s *Snapshot) Clients() ([]engine.ClientInfo, error) { return s.ClientList, s.LoopErr }

// Servers returns ServerList and LoopErr.
func (s *Snapshot) Servers() ([]engine.ServerInfo, error) { return s.ServerList, s.LoopErr }

// Counts returns CountsOf.
func (s *Snapshot) Counts() engine.Counts { return s.CountsOf }

// Events returns EventList.
func (s *Snapshot) Events() []engine.Counter { return s.EventList }

// Pins returns PinList.
func (s *Snapshot) Pins() []engine.Counter { return s.PinList }

// Prepared returns Stats.
func (s *Snapshot) Prepared() engine.PreparedStats { return s.Stats }

// PreparedStatements returns Stmts and LoopErr.
func (s *Snapshot) PreparedStatements() ([]engine.PreparedStatement, error) {
	return s.Stmts, s.LoopErr
}

// MirrorMemory returns Used and Limit.
func (s *Snapshot) MirrorMemory() (int64, int64) { return s.Used, s.Limit }

// ErrSilent stands for a loop that did not answer.
var ErrSilent = errors.New("an event loop did not answer in time")

// Addr parses a TCP address of the fixtures.
func Addr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

// At is the fixed moment of the fixtures.
var At = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// Drops is a mirror's drop counters, in engine.DropReasons's order.
func Drops(n map[string]int64) []engine.Counter {
	var out []engine.Counter
	for _, r := range engine.DropReasons() {
		out = append(out, engine.Counter{Name: r, N: n[r]})
	}
	return out
}

// Fixture is an engine with one pool ("app", "alice") that has a mirror,
// one client and two servers (one linked, one idle).
func Fixture() *Snapshot {
	return &Snapshot{
		Cfg: config.Config{
			Databases: []config.Database{{Name: "app"}, {Name: "app"}, {Name: "other"}},
			Users:     []config.User{{Name: "alice"}, {Name: "bob"}, {Name: "alice"}},
		},
		PoolInfos: []engine.PoolInfo{{
			PoolTotals: engine.PoolTotals{ID: 7, Database: "app", User: "alice", Host: "127.0.0.1", Port: 5432,
				Totals: engine.StatTotals{Xacts: 10, Queries: 20, Errors: 3, XactTime: 5 * time.Millisecond}},
			Mode: config.ModeTransaction, Clients: 4, ClActive: 3, ClWaiting: 1,
			SvActive: 2, SvIdleXact: 1, SvIdle: 5, SvTotal: 7, MaxWait: 2*time.Second + 1500*time.Microsecond, Paused: true,
			Mirrors: []engine.MirrorInfo{{User: "alice", Source: "app", Destination: "app_mirror", Total: 9, Mirrored: 6, Errors: 1, Queued: 2,
				Dropped: Drops(map[string]int64{"exposure": 2, "memory": 1}), Exposure: 0.5, QueueCapacity: 128,
				Lag: 1500 * time.Microsecond, LagP50: time.Millisecond, LagP99: 3 * time.Millisecond}},
		}},
		ClientList: []engine.ClientInfo{{User: "alice", Database: "app", State: "active", Remote: Addr("127.0.0.1:40000"), Local: Addr("127.0.0.1:6432"),
			ConnectedAt: At, Wait: 1250 * time.Millisecond, ID: 42, Link: 4242, ApplicationName: "psql", Loop: 1, Pinned: "temp", TLS: "TLS 1.3", PreparedStatements: 2,
			Counts: engine.ConnCounts{Queries: 5, Xacts: 4, Errors: 1, Received: 100, Sent: 200, Wait: 3 * time.Millisecond,
				QueryTime: 1500 * time.Microsecond, XactTime: 2 * time.Millisecond}}},
		ServerList: []engine.ServerInfo{{User: "alice", Database: "appdb", State: "active", Host: "127.0.0.1", Port: 5432, Local: Addr("127.0.0.1:50000"),
			ConnectedAt: At, PID: 4242, TxStatus: 'T', Link: 42, Loop: 1, Pool: 7, PreparedStatements: 3, ApplicationName: "pgdogd",
			Counts: engine.ConnCounts{Queries: 6, Xacts: 5, Errors: 2, Received: 300, Sent: 400}},
			{User: "alice", Database: "appdb", State: "idle", Host: "127.0.0.1", Port: 5432, TxStatus: 'I', Pool: 7}},
		CountsOf:  engine.Counts{Clients: 6, Loops: 2},
		Stmts:     []engine.PreparedStatement{{Name: "__pgdogd_1", Query: "select 1", UsedBy: 2, Memory: 40}},
		EventList: []engine.Counter{{Name: "client_opened", N: 11}},
		PinList:   []engine.Counter{{Name: "temp", N: 1}},
		Stats:     engine.PreparedStats{Statements: 1, Parses: 5, Binds: 8, Evictions: 2},
		Used:      1 << 20, Limit: 64 << 20,
	}
}

// MirrorQueries returns s.Queries, without their buckets unless asked.
func (s *Snapshot) MirrorQueries(buckets bool) []insight.QueryStats {
	out := append([]insight.QueryStats(nil), s.Queries...)
	if !buckets {
		for i := range out {
			out[i].OnSource.Buckets, out[i].OnMirror.Buckets = nil, nil
		}
	}
	return out
}

// MirrorDivergences returns s.Divergences.
func (s *Snapshot) MirrorDivergences() []insight.Divergence { return s.Divergences }

// MirrorTotals returns s.MirrorTotalList.
func (s *Snapshot) MirrorTotals() []insight.Totals { return s.MirrorTotalList }
