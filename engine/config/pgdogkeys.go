// PgDog settings that pgdogd accepts for compatibility but does not implement.

package config

import "sort"

// set builds a lookup set from a list of names.
func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// sortedNames returns the names of a set in order.
func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pgdogOnlySections are whole pgdog.toml sections (tables or arrays of tables)
// of PgDog that pgdogd ignores; each gets one warning.
var pgdogOnlySections = set(
	"rewrite", "tcp", "multi_tenant", "plugins", "sharded_tables", "manual_queries",
	"omnisharded_tables", "sharded_mappings", "sharded_schemas", "replica_lag",
	"replication", "memory", "vault", "otel", "fdw",
)

// pgdogOnlyGeneral are PgDog's [general] keys that pgdogd ignores.
var pgdogOnlyGeneral = set(
	"listen_backlog", "background_workers",
	"idle_healthcheck_interval", "idle_healthcheck_delay", "healthcheck_port",
	"require_healthcheck_on_discovery", "ban_replica_lag", "ban_replica_lag_bytes",
	"rollback_timeout", "query_timeout", "load_balancing_strategy", "read_write_strategy", "read_write_split",
	"read_after_write_ms", "primary_functions", "route_unknown_functions_to_primary",
	"shutdown_termination_timeout", "broadcast_address", "broadcast_port",
	"query_log", "query_log_stdout", "log_min_duration_parse", "log_query_sample_length",
	"query_size_limit", "query_size_limit_action",
	"query_parser_enabled", "query_parser", "regex_parser_limit", "query_parser_engine",
	"prepared_statements_ttl", "prepared_statements_ttl_jitter", "query_cache_limit",
	"passthrough_auth", "connect_attempts", "connect_attempt_delay",
	"dry_run", "server_lifetime_jitter",
	"cross_shard_disabled", "cross_shard_backend", "dns_ttl", "pub_sub_channel_size",
	"log_format", "log_level", "log_connections", "log_disconnections",
	"log_dedup_window", "log_dedup_threshold",
	"two_phase_commit", "two_phase_commit_auto", "two_phase_commit_wal_dir",
	"two_phase_commit_wal_segment_size", "two_phase_commit_wal_fsync_interval",
	"two_phase_commit_wal_checkpoint_interval", "expanded_explain", "stats_period",
	"connection_recovery", "client_connection_recovery",
	"lsn_check_interval", "lsn_check_timeout", "lsn_check_delay",
	"unique_id_min", "unique_id_function", "system_catalogs", "omnisharded_sticky",
	"resharding_copy_format", "sharding_lookup_cache_size", "sharding_lookup_timeout",
	"resharding_parallel_copies", "resharding_copy_retry_max_attempts",
	"resharding_copy_retry_min_delay", "resharding_replication_retry_max_attempts",
	"resharding_replication_retry_min_delay", "reload_schema_on_ddl", "load_schema",
	"canonicalize_type_information", "cutover_traffic_stop_threshold",
	"cutover_replication_lag_threshold", "cutover_last_transaction_delay",
	"cutover_timeout", "cutover_timeout_action", "cutover_save_config",
)

// pgdogOnlyDatabase are PgDog's [[databases]] keys that pgdogd ignores.
var pgdogOnlyDatabase = set(
	"shard", "statement_timeout", "idle_timeout", "read_only", "server_lifetime",
	"server_lifetime_jitter", "resharding_only",
)

// pgdogOnlyMirroring are PgDog's [[mirroring]] keys that pgdogd ignores (none so far).
var pgdogOnlyMirroring = set()

// pgdogOnlyAdmin are PgDog's [admin] keys that pgdogd ignores (none so far).
var pgdogOnlyAdmin = set()

// pgdogOnlyUser are PgDog's users.toml [[users]] keys that pgdogd ignores.
var pgdogOnlyUser = set(
	"identity", "databases", "all_databases", "passwords", "password_hash",
	"server_auth", "server_iam_region", "vault_path", "vault_refresh_percent",
	"statement_timeout", "lock_timeout", "replication_mode", "replication_sharding",
	"idle_timeout", "read_only", "schema_admin", "cross_shard_disabled",
	"two_phase_commit", "two_phase_commit_auto", "server_lifetime", "server_lifetime_jitter",
)
