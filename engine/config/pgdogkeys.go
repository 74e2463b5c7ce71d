// PgDog settings that pgdogd accepts for compatibility but does not implement, each with what pgdogd does instead ([general]'s are in the registry, keys.go).

package config

// ignoredKeys maps a PgDog key pgdogd does not implement to what pgdogd does
// instead, the end of the key's one warning.
type ignoredKeys map[string]string

// ignored builds a set of ignored keys that share one explanation.
func ignored(instead string, names ...string) ignoredKeys {
	m := make(ignoredKeys, len(names))
	for _, n := range names {
		m[n] = instead
	}
	return m
}

// merge joins sets of ignored keys.
func merge(sets ...ignoredKeys) ignoredKeys {
	m := ignoredKeys{}
	for _, s := range sets {
		for k, v := range s {
			m[k] = v
		}
	}
	return m
}

// What pgdogd does instead of PgDog's features, shared by keys of several sections.
const (
	insteadSharding     = "ignored: pgdogd does not shard"
	insteadRouting      = "ignored: pgdogd routes reads by read_write_strategy and read_write_split only"
	insteadRoleConfig   = "ignored: a database's primary and replicas take the same pool_size, min_pool_size and idle_timeout"
	insteadLagSection   = "ignored: replica lag is checked every lsn_check_interval; ban_replica_lag and ban_replica_lag_bytes ban a replica that falls behind"
	insteadWeight       = "ignored: replicas are balanced with equal weights (load_balancing_strategy)"
	insteadParser       = "ignored: pgdogd has no SQL parser; it only scans statements for session state (pin_session_state)"
	insteadLogging      = "ignored: pgdogd logs text on stderr; choose the level with --log-level"
	insteadServerSet    = "ignored: set it on the server instead (ALTER ROLE or ALTER DATABASE ... SET)"
	insteadGeneralValue = "ignored: the [general] value applies"
	insteadJitter       = "ignored: every server connection closes at its server_lifetime"
	insteadClientAuth   = "ignored: clients log in with the user's password only"
	insteadServerAuth   = "ignored: pgdogd logs in to PostgreSQL with server_password (or password)"
	insteadServerTLS    = "ignored: the [general] server TLS settings apply to every database"
)

// pgdogSection is a whole pgdog.toml section (a table or an array of tables) of
// PgDog that pgdogd ignores: its keys are checked, and the section gets one warning.
type pgdogSection struct {
	keys    map[string]bool
	instead string
}

// section declares an ignored section with its keys.
func section(instead string, keys ...string) pgdogSection {
	return pgdogSection{keys: set(keys...), instead: instead}
}

// set builds a lookup set from a list of names.
func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// pgdogOnlySections are PgDog's pgdog.toml sections pgdogd ignores, with their keys.
var pgdogOnlySections = map[string]pgdogSection{
	"rewrite": section(insteadSharding, "enabled", "shard_key", "split_inserts", "primary_key", "simple_to_prepared"),
	"tcp": section("ignored: connections keep Go's default TCP keepalive",
		"keepalive", "user_timeout", "time", "interval", "retries", "congestion_control"),
	"multi_tenant": section(insteadSharding, "column"),
	"plugins":      section("ignored: pgdogd loads no plugins", "name", "config"),
	"sharded_tables": section(insteadSharding, "database", "name", "schema", "column", "primary", "broadcast_null",
		"centroids", "centroids_path", "data_type", "centroid_probes", "hasher", "mapping", "lookup_query",
		"lookup_result"),
	"omnisharded_tables": section(insteadSharding, "database", "tables", "sticky"),
	"sharded_mappings": section(insteadSharding, "database", "column", "table", "schema", "kind", "start", "end",
		"values", "shard"),
	"sharded_schemas": section(insteadSharding, "database", "name", "shard", "all"),
	"replica_lag":     section(insteadLagSection, "check_interval", "max_age"),
	"replication":     section(insteadSharding, "pg_dump_path"),
	"resharding":      section(insteadSharding, "post_data_validation"),
	"memory": section("ignored: pgdogd sizes its buffers itself (max_message_size bounds a client message)",
		"net_buffer", "message_buffer", "stack_size"),
	"otel": section("ignored: pgdogd exports metrics on openmetrics_port only",
		"endpoint", "namespace", "headers", "datadog_api_key", "push_interval", "temporality_preference"),
	"vault": section("ignored: pgdogd reads passwords from users.toml only", "url", "namespace", "auth_method",
		"auth_mount", "kubernetes_role", "kubernetes_jwt_path", "approle_role_id", "approle_secret_id_file"),
	"query_parsers": section(insteadParser, "database", "level", "engine"),
	// Sections of earlier PgDog releases, still accepted.
	"manual_queries": section(insteadSharding, "fingerprint"),
	"fdw":            section(insteadSharding, "enabled", "green_port", "blue_port", "launch_timeout"),
}

// pgdogOnlyDatabase are PgDog's [[databases]] keys that pgdogd ignores.
var pgdogOnlyDatabase = merge(
	ignored(insteadServerSet, "statement_timeout", "lock_timeout", "read_only"),
	ignored(insteadGeneralValue, "idle_timeout", "server_lifetime"),
	ignored(insteadJitter, "server_lifetime_jitter"),
	ignored("ignored: pgdogd does not reshard; the entry is served like any other", "resharding_only"),
	ignored(insteadWeight, "lb_weight"),
	ignored(insteadRoleConfig, "pool_size_primary", "pool_size_replica", "min_pool_size_primary",
		"min_pool_size_replica", "idle_timeout_primary", "idle_timeout_replica"),
	ignored(insteadServerTLS, "tls_verify", "tls_server_ca_certificate", "tls_server_certificate",
		"tls_server_private_key"),
)

// pgdogOnlyMirroring are PgDog's [[mirroring]] keys that pgdogd ignores (none so far).
var pgdogOnlyMirroring = ignoredKeys{}

// pgdogOnlyAdmin are PgDog's [admin] keys that pgdogd ignores (none so far).
var pgdogOnlyAdmin = ignoredKeys{}

// pgdogOnlyUser are PgDog's users.toml [[users]] keys that pgdogd ignores.
var pgdogOnlyUser = merge(
	ignored(insteadClientAuth, "identity", "tls_client_certificate_required", "vault_path", "allowed_iam_arns"),
	ignored(insteadServerAuth, "server_auth", "server_iam_region", "server_iam_assume_role", "server_vault_path",
		"vault_refresh_percent"),
	ignored("ignored: replication connections are refused", "replication_mode"),
	ignored(insteadSharding, "replication_sharding", "schema_admin", "cross_shard_disabled", "two_phase_commit",
		"two_phase_commit_auto"),
	ignored(insteadJitter, "server_lifetime_jitter"),
	ignored(insteadRoleConfig, "pool_size_primary", "pool_size_replica", "min_pool_size_primary",
		"min_pool_size_replica", "idle_timeout_primary", "idle_timeout_replica"),
)
