// The registry of [general] keys: each key declared once, with its field, default, check and runtime behaviour.

package config

import (
	"math"
	"slices"
	"time"
)

// keyDef is one [general] key of the registry.
type keyDef struct {
	name    string
	alias   string // another name the file may use for the same field (not the environment)
	runtime bool   // admin SET may change it
	restart bool   // a change needs a restart: RELOAD keeps the running value, with a warning
	v       value  // nil for a PgDog key pgdogd does not implement (accepted with a warning)
	instead string // for a key pgdogd does not implement: what it does instead, ending the warning
}

// declaration is a spec of any type, ready to join the registry.
type declaration interface{ declare() keyDef }

// implemented finishes the declarations of the keys pgdogd implements.
func implemented(ds ...declaration) []keyDef {
	out := make([]keyDef, len(ds))
	for i, d := range ds {
		out[i] = d.declare()
	}
	return out
}

// pgdogOnly declares PgDog keys that pgdogd accepts, with a warning saying
// what it does instead, and ignores.
func pgdogOnly(instead string, names ...string) []keyDef {
	out := make([]keyDef, len(names))
	for i, n := range names {
		out[i] = keyDef{name: n, instead: instead}
	}
	return out
}

// generalKeys is every [general] key, in the order configcheck prints them
// and the environment is read. A key is runtime when it has a SET parser
// (settable), restart-only when RELOAD cannot change it (needsRestart).
var generalKeys = slices.Concat(implemented(
	text("host", func(g *General) *string { return &g.Host }, "0.0.0.0").check(notEmpty).needsRestart(),
	integer("port", func(g *General) *int { return &g.Port }, 6432).check(portNumber).needsRestart(),
	integer("workers", func(g *General) *int { return &g.Workers }, 2).check(atLeast(1)).needsRestart(),
	integer("default_pool_size", func(g *General) *int { return &g.DefaultPoolSize }, 10).also("max_pool_size").
		check(atLeast(1)).settable(wholeNumber(1, 100000)),
	integer("min_pool_size", func(g *General) *int { return &g.MinPoolSize }, 1).settable(wholeNumber(0, 100000)),
	text("pooler_mode", func(g *General) *Mode { return &g.PoolerMode }, ModeTransaction).check(poolerModes),
	millis("checkout_timeout", func(g *General) *time.Duration { return &g.CheckoutTimeout }, 5*time.Second).
		settable(milliseconds(1)),
	millis("connect_timeout", func(g *General) *time.Duration { return &g.ConnectTimeout }, 5*time.Second).
		settable(milliseconds(1)),
	millis("idle_timeout", func(g *General) *time.Duration { return &g.IdleTimeout }, 60*time.Second).
		settable(milliseconds(0)),
	millis("server_lifetime", func(g *General) *time.Duration { return &g.ServerLifetime }, 24*time.Hour).
		settable(milliseconds(0)),
	millis("shutdown_timeout", func(g *General) *time.Duration { return &g.ShutdownTimeout }, 60*time.Second).
		settable(milliseconds(0)),
	text("load_balancing_strategy", func(g *General) *LoadBalancingStrategy { return &g.LoadBalancingStrategy },
		BalanceRandom).check(balancingStrategies).settable(choice(balancingStrategies)),
	text("read_write_strategy", func(g *General) *ReadWriteStrategy { return &g.ReadWriteStrategy },
		StrategyConservative).check(readWriteStrategies).settable(choice(readWriteStrategies)),
	text("read_write_split", func(g *General) *ReadWriteSplit { return &g.ReadWriteSplit },
		SplitIncludePrimary).check(readWriteSplits).settable(choice(readWriteSplits)),
	millis("healthcheck_interval", func(g *General) *time.Duration { return &g.HealthcheckInterval },
		DefaultHealthcheckInterval).check(atLeastMs(time.Millisecond)).settable(milliseconds(1)),
	millis("idle_healthcheck_interval", func(g *General) *time.Duration { return &g.IdleHealthcheckInterval },
		DefaultIdleHealthcheckInterval).check(atLeastMs(time.Millisecond)).settable(milliseconds(1)),
	millis("idle_healthcheck_delay", func(g *General) *time.Duration { return &g.IdleHealthcheckDelay },
		DefaultIdleHealthcheckDelay).settable(milliseconds(0)),
	millis("healthcheck_timeout", func(g *General) *time.Duration { return &g.HealthcheckTimeout },
		DefaultHealthcheckTimeout).check(atLeastMs(time.Millisecond)).settable(milliseconds(1)),
	millis("ban_timeout", func(g *General) *time.Duration { return &g.BanTimeout }, DefaultBanTimeout).
		settable(milliseconds(0)),
	millis("ban_replica_lag", func(g *General) *time.Duration { return &g.BanReplicaLag }, DefaultBanReplicaLag).
		settable(milliseconds(0)),
	integer("ban_replica_lag_bytes", func(g *General) *int { return &g.BanReplicaLagBytes },
		DefaultBanReplicaLagBytes).settable(wholeNumber(0, math.MaxInt)),
	integer("connect_attempts", func(g *General) *int { return &g.ConnectAttempts }, DefaultConnectAttempts).
		check(atLeast(1)).settable(wholeNumber(1, maxConnectAttempts)),
	millis("connect_attempt_delay", func(g *General) *time.Duration { return &g.ConnectAttemptDelay },
		DefaultConnectAttemptDelay).settable(milliseconds(0)),
	millis("lsn_check_interval", func(g *General) *time.Duration { return &g.LsnCheckInterval },
		DefaultLsnCheckInterval).check(atLeastMs(time.Millisecond)).settable(milliseconds(1)),
	millis("lsn_check_timeout", func(g *General) *time.Duration { return &g.LsnCheckTimeout },
		DefaultLsnCheckTimeout).check(atLeastMs(time.Millisecond)).settable(milliseconds(1)),
	millis("lsn_check_delay", func(g *General) *time.Duration { return &g.LsnCheckDelay }, DefaultLsnCheckDelay).
		settable(millisecondsUpTo(0, int64(Never/time.Millisecond))),
	text("auth_type", func(g *General) *AuthType { return &g.AuthType }, AuthScram).check(authTypes),
	text("passthrough_auth", func(g *General) *string { return &g.PassthroughAuth }, "disabled").check(passthroughModes),
	text("prepared_statements", func(g *General) *PreparedMode { return &g.PreparedStatements }, PreparedExtended).
		check(preparedStatements),
	integer("prepared_statements_limit", func(g *General) *int { return &g.PreparedStatementsLimit }, math.MaxInt64),
	integer("mirror_queue", func(g *General) *int { return &g.MirrorQueue }, 128).check(atLeast(1)).
		settable(wholeNumber(1, 1<<20)),
	number("mirror_exposure", func(g *General) *float64 { return &g.MirrorExposure }, 1.0).check(exposure).
		settable(share),
	integer("mirror_max_transaction_size", func(g *General) *int { return &g.MirrorMaxTransactionBytes },
		DefaultMirrorMaxTransactionBytes).check(atLeastBytes(1)).settable(wholeNumber(1024, 1<<30)),
	millis("mirror_timeout", func(g *General) *time.Duration { return &g.MirrorTimeout }, DefaultMirrorTimeout).
		check(atLeastMs(time.Millisecond)),
	integer("mirror_seed", func(g *General) *int { return &g.MirrorSeed }, 0).check(notNegative),
	boolean("mirror_stats", func(g *General) *bool { return &g.MirrorStats }, true).settable(onOff),
	number("mirror_stats_timing", func(g *General) *float64 { return &g.MirrorStatsTiming }, DefaultMirrorStatsTiming).
		check(exposure).settable(share),
	integer("mirror_stats_queries", func(g *General) *int { return &g.MirrorStatsQueries }, DefaultMirrorStatsQueries).
		check(atLeast(1)).settable(wholeNumber(1, 1<<20)),
	integer("mirror_stats_metrics", func(g *General) *int { return &g.MirrorStatsMetrics }, DefaultMirrorStatsMetrics).
		check(notNegative).settable(wholeNumber(0, 1000)),
	boolean("pin_session_state", func(g *General) *bool { return &g.PinSessionState }, true),
	integer("openmetrics_port", func(g *General) *int { return &g.OpenmetricsPort }, 0).check(portOrOff).needsRestart(),
	text("openmetrics_host", func(g *General) *string { return &g.OpenmetricsHost }, "0.0.0.0").needsRestart(),
	text("openmetrics_namespace", func(g *General) *string { return &g.OpenmetricsNamespace }, ""),
	text("tls_certificate", func(g *General) *string { return &g.TLSCertificate }, ""),
	text("tls_private_key", func(g *General) *string { return &g.TLSPrivateKey }, ""),
	boolean("tls_client_required", func(g *General) *bool { return &g.TLSClientRequired }, false),
	text("tls_client_ca_certificate", func(g *General) *string { return &g.TLSClientCACertificate }, ""),
	text("tls_verify", func(g *General) *string { return &g.TLSVerify }, "prefer").check(tlsVerifyModes),
	text("tls_server_ca_certificate", func(g *General) *string { return &g.TLSServerCACertificate }, ""),
	text("tls_server_certificate", func(g *General) *string { return &g.TLSServerCertificate }, ""),
	text("tls_server_private_key", func(g *General) *string { return &g.TLSServerPrivateKey }, ""),
	millis("client_login_timeout", func(g *General) *time.Duration { return &g.ClientLoginTimeout }, 60*time.Second).
		check(notNegativeMs),
	millis("client_idle_timeout", func(g *General) *time.Duration { return &g.ClientIdleTimeout }, 0).
		check(notNegativeMs),
	millis("client_idle_in_transaction_timeout",
		func(g *General) *time.Duration { return &g.ClientIdleInTransactionTimeout }, 0).check(notNegativeMs),
	integer("max_client_connections", func(g *General) *int { return &g.MaxClientConnections }, 0).check(notNegative),
	integer("mirror_memory_limit", func(g *General) *int { return &g.MirrorMemoryLimit }, DefaultMirrorMemoryLimit).
		check(atLeastBytes(1)).settable(wholeNumber(1, 1<<40)),
	integer("max_message_size", func(g *General) *int { return &g.MaxMessageSize }, DefaultMaxMessageSize).
		check(atLeastBytes(minMaxMessageSize)).needsRestart(),
),
	pgdogOnly("ignored: pgdogd runs no health check before a server's first use", "require_healthcheck_on_discovery"),
	pgdogOnly("ignored: pgdogd has no HTTP health check; probe its port or the admin database", "healthcheck_port"),
	pgdogOnly("ignored: pgdogd listens with the system's default backlog", "listen_backlog"),
	pgdogOnly("ignored: pgdogd runs its workers event loops and no background pool", "background_workers"),
	pgdogOnly(insteadRouting, "read_after_write_ms", "primary_functions", "route_unknown_functions_to_primary"),
	pgdogOnly("ignored: a server left inside a transaction is closed, not rolled back", "rollback_timeout"),
	pgdogOnly("ignored: no query timeout; set statement_timeout on the server", "query_timeout"),
	pgdogOnly("ignored: when shutdown_timeout ends pgdogd closes every connection", "shutdown_termination_timeout"),
	pgdogOnly("ignored: pgdogd instances do not discover each other", "broadcast_address", "broadcast_port"),
	pgdogOnly(insteadLogging, "query_log", "query_log_stdout", "log_min_duration_parse", "log_query_sample_length",
		"log_format", "log_level", "log_connections", "log_disconnections", "log_dedup_window",
		"log_dedup_threshold"),
	pgdogOnly("ignored: max_message_size bounds every client message (64 MiB by default)",
		"query_size_limit", "query_size_limit_action"),
	pgdogOnly(insteadParser, "query_parser_enabled", "query_parser", "regex_parser_limit", "query_parser_engine",
		"query_cache_limit", "dry_run"),
	pgdogOnly("ignored: a prepared statement stays on a server until prepared_statements_limit evicts it",
		"prepared_statements_ttl", "prepared_statements_ttl_jitter"),
	pgdogOnly("ignored: a failed passthrough check is not remembered; each client's password is checked when it logs in",
		"passthrough_auth_debounce_delay"),
	pgdogOnly(insteadClientAuth, "sts_server_id"),
	pgdogOnly(insteadJitter, "server_lifetime_jitter"),
	pgdogOnly("ignored: host names are resolved again at each server connection", "dns_ttl"),
	pgdogOnly("ignored: LISTEN keeps the client on its server (pin_session_state) instead of PgDog's pub/sub",
		"pub_sub_channel_size"),
	pgdogOnly("ignored: statistics are kept on pgdogd's own period", "stats_period"),
	pgdogOnly("ignored: a server left mid-transaction by its client is closed; a pool error ends the client",
		"connection_recovery", "client_connection_recovery"),
	pgdogOnly(insteadSharding, "cross_shard_disabled", "cross_shard_backend",
		"two_phase_commit", "two_phase_commit_auto", "two_phase_commit_wal_dir",
		"two_phase_commit_wal_segment_size", "two_phase_commit_wal_fsync_interval",
		"two_phase_commit_wal_checkpoint_interval", "expanded_explain",
		"unique_id_min", "unique_id_function", "system_catalogs", "omnisharded_sticky",
		"resharding_copy_format", "sharding_lookup_cache_size", "sharding_lookup_timeout",
		"resharding_parallel_copies", "resharding_copy_retry_max_attempts",
		"resharding_copy_retry_min_delay", "resharding_replication_retry_max_attempts",
		"resharding_replication_retry_min_delay", "reload_schema_on_ddl", "load_schema",
		"canonicalize_type_information", "cutover_traffic_stop_threshold",
		"cutover_replication_lag_threshold", "cutover_last_transaction_delay",
		"cutover_timeout", "cutover_timeout_action", "cutover_save_config"),
)

// generalByName finds a key of the registry by its name (not its alias).
var generalByName = func() map[string]*keyDef {
	m := make(map[string]*keyDef, len(generalKeys))
	for i := range generalKeys {
		m[generalKeys[i].name] = &generalKeys[i]
	}
	return m
}()

// pgdogOnlyGeneral are the [general] keys pgdogd does not implement, with what it does instead.
var pgdogOnlyGeneral = func() ignoredKeys {
	m := ignoredKeys{}
	for _, k := range generalKeys {
		if k.v == nil {
			m[k.name] = k.instead
		}
	}
	return m
}()

// implementedKeys yields each key pgdogd implements, in registry order
// (for k := range implementedKeys).
func implementedKeys(yield func(*keyDef) bool) {
	for i := range generalKeys {
		if generalKeys[i].v != nil && !yield(&generalKeys[i]) {
			return
		}
	}
}
