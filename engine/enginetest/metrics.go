// metrics.go holds the fake engine's metrics face: a Snapshot with each pool's events, the pinned clients and the prepared statement cache's bytes.

package enginetest

import (
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// MetricsSnapshot is an engine.MetricsSnapshot returning its fields (and
// the Snapshot's LoopErr from Locked).
type MetricsSnapshot struct {
	*Snapshot
	PoolEventList []engine.PoolEvents
	LockedOf      engine.Locked
	Bytes         int64
}

var _ engine.MetricsSnapshot = (*MetricsSnapshot)(nil)

// PoolEvents returns PoolEventList.
func (s *MetricsSnapshot) PoolEvents() []engine.PoolEvents { return s.PoolEventList }

// Locked returns LockedOf and LoopErr.
func (s *MetricsSnapshot) Locked() (engine.Locked, error) { return s.LockedOf, s.LoopErr }

// PreparedBytes returns Bytes.
func (s *MetricsSnapshot) PreparedBytes() int64 { return s.Bytes }

// MetricsFixture is Fixture with its pool's events (a size of 10, four
// logins that took 8ms, ...), one pinned client on its server and a cache
// of 4096 bytes.
func MetricsFixture() *MetricsSnapshot {
	snap := Fixture()
	snap.Cfg.General.PreparedStatementsLimit = 500
	return &MetricsSnapshot{
		Snapshot: snap,
		PoolEventList: []engine.PoolEvents{{ID: 7, Database: "app", User: "alice", MaxConnections: 10,
			Connects: 4, ConnectTime: 8 * time.Millisecond, Errors: 2, OutOfSync: 1, Cleaned: 3,
			PreparedEvictions: 2, IdleTxTimeouts: 1}},
		LockedOf: engine.Locked{Clients: 1, Servers: map[engine.PoolID]int{7: 1}},
		Bytes:    4096,
	}
}
