// PgDog settings that pgdogd accepts for compatibility but does not implement ([general]'s are in the registry, keys.go).

package config

// set builds a lookup set from a list of names.
func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// pgdogOnlySections are whole pgdog.toml sections (tables or arrays of tables)
// of PgDog that pgdogd ignores; each gets one warning.
var pgdogOnlySections = set(
	"rewrite", "tcp", "multi_tenant", "plugins", "sharded_tables", "manual_queries",
	"omnisharded_tables", "sharded_mappings", "sharded_schemas", "replica_lag",
	"replication", "memory", "vault", "otel", "fdw",
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
	"identity", "server_auth", "server_iam_region", "server_iam_assume_role", "vault_path", "vault_refresh_percent",
	"tls_client_certificate_required",
	"replication_mode", "replication_sharding", "schema_admin", "cross_shard_disabled",
	"two_phase_commit", "two_phase_commit_auto", "server_lifetime_jitter",
)
