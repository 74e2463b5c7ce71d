// The replica keys of [general]: PgDog's defaults, the longest duration, and PgDog's spellings of values pgdogd holds otherwise.

package config

import (
	"math"
	"time"
)

// PgDog's defaults of the keys about replicas, health checks and bans, as
// pgdog-config/src/general.rs gives them (General's default functions) and
// docs/configuration/pgdog.toml/general.md documents them, in milliseconds.
const (
	DefaultHealthcheckInterval     = 30 * time.Second // healthcheck_interval: 30_000
	DefaultIdleHealthcheckInterval = 30 * time.Second // idle_healthcheck_interval: 30_000
	DefaultIdleHealthcheckDelay    = 5 * time.Second  // idle_healthcheck_delay: 5_000
	DefaultHealthcheckTimeout      = 5 * time.Second  // healthcheck_timeout: 5_000
	DefaultBanTimeout              = 5 * time.Minute  // ban_timeout: 300_000
	DefaultConnectAttempts         = 1                // connect_attempts: 1 (one try, no retry)
	DefaultConnectAttemptDelay     = 0                // connect_attempt_delay: 0
	DefaultLsnCheckInterval        = 5 * time.Second  // lsn_check_interval: 5_000
	DefaultLsnCheckTimeout         = 5 * time.Second  // lsn_check_timeout: 5_000
	// lsn_check_delay's default is PgDog's MAX_DURATION, "infinity": no lag
	// check (docs/features/load-balancer/replication-failover.md).
	DefaultLsnCheckDelay = Never
	// ban_replica_lag and ban_replica_lag_bytes default, in PgDog, to its
	// largest integer (i64::MAX), which disables the ban; pgdogd says off with 0.
	DefaultBanReplicaLag      = 0
	DefaultBanReplicaLagBytes = 0
)

// Never is the longest duration a key holds, a whole number of
// milliseconds (about 292 years): lsn_check_delay's "infinity". A file or
// variable giving more milliseconds (PgDog writes its integer maxima for
// "never") reads as Never.
const Never = time.Duration(math.MaxInt64/int64(time.Millisecond)) * time.Millisecond

// maxConnectAttempts is the most connect_attempts SET accepts.
const maxConnectAttempts = 100

// weightedRoundRobin is PgDog's load_balancing_strategy that weighs
// servers by their lb_weight, which pgdogd does not implement.
const weightedRoundRobin = "weighted_round_robin"

// readPgDogSpellings turns PgDog's spellings of values pgdogd holds
// otherwise into pgdogd's, before the checks: its integer maxima for "no
// replica lag limit" into 0, weighted_round_robin into round_robin (with a
// warning). prefer_primary is kept, with a warning that its comment is not read.
func (c *collector) readPgDogSpellings(g *General, src map[string]source) {
	if g.BanReplicaLag == Never {
		g.BanReplicaLag = 0
	}
	if g.BanReplicaLagBytes == math.MaxInt64 {
		g.BanReplicaLagBytes = 0
	}
	if g.LoadBalancingStrategy == weightedRoundRobin {
		s := src["load_balancing_strategy"]
		c.warn(s.file, s.line, s.key, "load_balancing_strategy "+weightedRoundRobin+
			" weighs servers by lb_weight, which pgdogd does not implement; round_robin applies")
		g.LoadBalancingStrategy = BalanceRoundRobin
	}
	if g.ReadWriteSplit == SplitPreferPrimary {
		s := src["read_write_split"]
		c.warn(s.file, s.line, s.key, "read_write_split prefer_primary: pgdogd does not read the "+
			"pgdog_role comment that sends a query to a replica; every query goes to the primary")
	}
}
