// replica_settings.go holds the [general] settings of replicas as the engine reads them: load balancing, health checks, bans.

package engine

import (
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
)

// replicaSettings are read from the configuration in force at each use, so that SET
// and RELOAD apply at once.
type replicaSettings struct {
	strategy        config.LoadBalancingStrategy
	split           config.ReadWriteSplit
	checkInterval   time.Duration
	checkTimeout    time.Duration
	banTimeout      time.Duration
	banLag          time.Duration // 0: no ban for replay lag in time
	banLagBytes     int64         // 0: no ban for replay lag in bytes
	connectAttempts int
	connectDelay    time.Duration
}

// replicaSettingsOf reads them from cfg.
func replicaSettingsOf(cfg *config.Config) replicaSettings {
	g := &cfg.General
	return replicaSettings{strategy: g.LoadBalancingStrategy, split: g.ReadWriteSplit,
		checkInterval: g.HealthcheckInterval, checkTimeout: g.HealthcheckTimeout, banTimeout: g.BanTimeout,
		banLag: g.BanReplicaLag, banLagBytes: int64(g.BanReplicaLagBytes),
		connectAttempts: max(g.ConnectAttempts, 1), connectDelay: g.ConnectAttemptDelay}
}

// replicaEntries are database name's replica entries (config.Replicas): every entry of
// that name but the one that serves writes, in file order.
func replicaEntries(cfg *config.Config, name string) []config.Database {
	if cfg.Sharded(name) {
		return nil
	}
	return cfg.Replicas(name)
}
