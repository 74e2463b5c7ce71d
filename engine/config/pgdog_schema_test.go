// Tests that every key of PgDog's configuration schema is accepted: implemented by pgdogd, or listed as ignored with a warning.

package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// pgdogSchema is PgDog's configuration schema, transcribed from pgdog-config/src
// (core.rs's Config and Users, general.rs, database.rs with its flattened
// role_config.rs and server_tls.rs, users.rs, replication.rs, networking.rs,
// rewrite.rs, sharding.rs, memory.rs, otel.rs, vault.rs, resharding.rs):
// section name to its keys. "users.toml" holds users.toml's top-level keys,
// "users" the keys of a [[users]] entry.
var pgdogSchema = map[string][]string{
	"pgdog.toml": {"general", "rewrite", "tcp", "multi_tenant", "databases", "plugins", "admin",
		"sharded_tables", "omnisharded_tables", "sharded_mappings", "sharded_schemas", "replica_lag",
		"replication", "resharding", "mirroring", "memory", "otel", "vault", "query_parsers"},
	"general": {"host", "port", "listen_backlog", "workers", "background_workers", "default_pool_size",
		"max_pool_size", "min_pool_size", "pooler_mode", "healthcheck_interval", "idle_healthcheck_interval",
		"idle_healthcheck_delay", "healthcheck_timeout", "healthcheck_port", "require_healthcheck_on_discovery",
		"ban_timeout", "ban_replica_lag", "ban_replica_lag_bytes", "rollback_timeout", "load_balancing_strategy",
		"read_write_strategy", "read_write_split", "read_after_write_ms", "primary_functions",
		"route_unknown_functions_to_primary", "tls_certificate", "tls_private_key", "tls_client_required",
		"tls_verify", "tls_server_ca_certificate", "tls_server_certificate", "tls_server_private_key",
		"tls_client_ca_certificate", "shutdown_timeout", "shutdown_termination_timeout", "broadcast_address",
		"broadcast_port", "query_log", "query_log_stdout", "log_min_duration_parse", "log_query_sample_length",
		"query_size_limit", "query_size_limit_action", "openmetrics_host", "openmetrics_port",
		"openmetrics_namespace", "prepared_statements", "query_parser_enabled", "query_parser",
		"regex_parser_limit", "query_parser_engine", "prepared_statements_limit", "prepared_statements_ttl",
		"prepared_statements_ttl_jitter", "query_cache_limit", "passthrough_auth", "passthrough_auth_debounce_delay", "connect_timeout",
		"connect_attempts", "connect_attempt_delay", "query_timeout", "checkout_timeout", "client_login_timeout",
		"dry_run", "idle_timeout", "client_idle_timeout", "client_idle_in_transaction_timeout", "server_lifetime",
		"server_lifetime_jitter", "mirror_queue", "mirror_exposure", "auth_type", "cross_shard_disabled",
		"dns_ttl", "pub_sub_channel_size", "log_format", "log_level", "log_connections", "log_disconnections",
		"log_dedup_window", "log_dedup_threshold", "two_phase_commit", "two_phase_commit_auto",
		"two_phase_commit_wal_dir", "two_phase_commit_wal_segment_size", "two_phase_commit_wal_fsync_interval",
		"two_phase_commit_wal_checkpoint_interval", "expanded_explain", "stats_period", "connection_recovery",
		"client_connection_recovery", "lsn_check_interval", "lsn_check_timeout", "lsn_check_delay",
		"unique_id_min", "unique_id_function", "system_catalogs", "omnisharded_sticky", "resharding_copy_format",
		"sharding_lookup_cache_size", "sharding_lookup_timeout", "resharding_parallel_copies",
		"resharding_copy_retry_max_attempts", "resharding_copy_retry_min_delay",
		"resharding_replication_retry_max_attempts", "resharding_replication_retry_min_delay",
		"reload_schema_on_ddl", "load_schema", "canonicalize_type_information", "cutover_traffic_stop_threshold",
		"cutover_replication_lag_threshold", "cutover_last_transaction_delay", "cutover_timeout",
		"cutover_timeout_action", "cutover_save_config", "sts_server_id"},
	"databases": {"name", "role", "host", "port", "shard", "database_name", "user", "password", "pool_size",
		"max_pool_size", "min_pool_size", "pooler_mode", "statement_timeout", "lock_timeout", "idle_timeout",
		"read_only", "server_lifetime", "server_lifetime_jitter", "resharding_only", "lb_weight",
		"pool_size_primary", "pool_size_replica", "min_pool_size_primary", "min_pool_size_replica",
		"idle_timeout_primary", "idle_timeout_replica",
		"tls_verify", "tls_server_ca_certificate", "tls_server_certificate", "tls_server_private_key"},
	"mirroring":  {"source_db", "destination_db", "queue_length", "exposure", "level"},
	"admin":      {"name", "user", "password"},
	"users.toml": {"admin", "users"},
	"users": {"identity", "tls_client_certificate_required", "name", "database", "databases", "all_databases",
		"password", "passwords", "password_hash", "pool_size", "min_pool_size", "pooler_mode", "server_user",
		"server_password", "server_auth", "server_iam_region", "server_iam_assume_role", "server_vault_path",
		"vault_refresh_percent", "vault_path", "allowed_iam_arns", "statement_timeout", "lock_timeout",
		"replication_mode", "replication_sharding", "idle_timeout", "read_only", "schema_admin",
		"cross_shard_disabled", "two_phase_commit", "two_phase_commit_auto", "server_lifetime",
		"server_lifetime_jitter", "pool_size_primary", "pool_size_replica", "min_pool_size_primary",
		"min_pool_size_replica", "idle_timeout_primary", "idle_timeout_replica"},
	"rewrite":            {"enabled", "shard_key", "split_inserts", "primary_key", "simple_to_prepared"},
	"tcp":                {"keepalive", "user_timeout", "time", "interval", "retries", "congestion_control"},
	"multi_tenant":       {"column"},
	"plugins":            {"name", "config"},
	"sharded_tables":     {"database", "name", "schema", "column", "primary", "broadcast_null", "centroids", "centroids_path", "data_type", "centroid_probes", "hasher", "mapping", "lookup_query", "lookup_result"},
	"omnisharded_tables": {"database", "tables", "sticky"},
	"sharded_mappings":   {"database", "column", "table", "schema", "kind", "start", "end", "values", "shard"},
	"sharded_schemas":    {"database", "name", "shard", "all"},
	"replica_lag":        {"check_interval", "max_age"},
	"replication":        {"pg_dump_path"},
	"resharding":         {"post_data_validation"},
	"memory":             {"net_buffer", "message_buffer", "stack_size"},
	"otel":               {"endpoint", "namespace", "headers", "datadog_api_key", "push_interval", "temporality_preference"},
	"vault":              {"url", "namespace", "auth_method", "auth_mount", "kubernetes_role", "kubernetes_jwt_path", "approle_role_id", "approle_secret_id_file"},
	"query_parsers":      {"database", "level", "engine"},
}

// pgdogLegacy are keys of earlier PgDog releases that pgdogd still accepts:
// they are not in the schema above, yet are not made up.
var pgdogLegacy = map[string][]string{
	"pgdog.toml": {"manual_queries", "fdw"},
	"general":    {"cross_shard_backend"},
}

// pgdogArrays are the sections that are arrays of tables ([[name]]).
var pgdogArrays = set("databases", "mirroring", "plugins", "sharded_tables", "omnisharded_tables",
	"sharded_mappings", "sharded_schemas", "query_parsers", "users", "manual_queries")

// schemaFile returns files that give every key of keys in section, with the
// entries a valid configuration needs around them. Values are not meant to
// be valid: only unknown keys matter.
func schemaFile(section string, keys []string) (pgdog, users string) {
	var b strings.Builder
	for _, k := range keys {
		switch section {
		case "pgdog.toml", "users.toml":
			b.WriteString(keyLine(k, ""))
		default:
			b.WriteString(k + " = 1\n")
		}
	}
	body := b.String()
	switch section {
	case "pgdog.toml":
		return baseDB + body, baseUsers
	case "users.toml":
		return baseDB, baseUsers + body
	case "users":
		return baseDB, baseUsers + body
	case "mirroring":
		return baseDB + "[[databases]]\nname = \"m\"\nhost = \"h\"\n[[mirroring]]\nsource_db = \"prod\"\n" +
			"destination_db = \"m\"\n" + body, baseUsers
	case "databases":
		return baseDB + body, baseUsers
	}
	return baseDB + keyLine(section, body), baseUsers
}

// keyLine writes a section header ([name] or [[name]]) followed by body.
func keyLine(name, body string) string {
	if pgdogArrays[name] {
		return "[[" + name + "]]\n" + body
	}
	return "[" + name + "]\n" + body
}

// unknownKeys loads the files of a section's key (schemaFile) and returns
// the keys reported unknown.
func unknownKeys(t *testing.T, pgdog, users string) []string {
	t.Helper()
	clearEnv(t)
	_, err := Load(writeFiles(t, pgdog, users))
	var e *Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, p := range e.Problems {
		if p.Msg == "unknown key" {
			out = append(out, p.File+" "+p.Key)
		}
	}
	return out
}

// unknownKeysOf is unknownKeys for keys of a section, by key.
func unknownKeysOf(t *testing.T, section string, keys []string) map[string]bool {
	t.Helper()
	pgdog, users := schemaFile(section, keys)
	out := map[string]bool{}
	for _, u := range unknownKeys(t, pgdog, users) {
		k := u[strings.LastIndexAny(u, ". ")+1:]
		out[k] = true
	}
	return out
}

// ignoredIn returns what pgdogd ignores in a section, with the reason.
func ignoredIn(section string) ignoredKeys {
	switch section {
	case "general":
		return pgdogOnlyGeneral
	case "databases":
		return pgdogOnlyDatabase
	case "mirroring":
		return pgdogOnlyMirroring
	case "admin":
		return pgdogOnlyAdmin
	case "users":
		return pgdogOnlyUser
	case "pgdog.toml":
		m := ignoredKeys{}
		for name, s := range pgdogOnlySections {
			m[name] = s.instead
		}
		return m
	case "users.toml":
		return ignoredKeys{}
	}
	if s, ok := pgdogOnlySections[section]; ok {
		return ignored(s.instead, slices.Collect(maps.Keys(s.keys))...)
	}
	return nil
}

// TestPgDogSchemaAccepted: every PgDog key loads without "unknown key", and
// is either implemented or listed as ignored, with what pgdogd does instead.
func TestPgDogSchemaAccepted(t *testing.T) {
	sections := slices.Sorted(maps.Keys(pgdogSchema))
	var summary []string
	for _, section := range sections {
		implemented, warned := 0, 0
		unknown := unknownKeysOf(t, section, pgdogSchema[section])
		for _, key := range pgdogSchema[section] {
			if unknown[key] {
				t.Errorf("PgDog key %s of %s is neither implemented nor listed", key, section)
				continue
			}
			if _, listed := ignoredIn(section)[key]; listed {
				warned++
			} else {
				implemented++
			}
		}
		summary = append(summary, fmt.Sprintf("%s: %d implemented, %d accepted with a warning", section, implemented, warned))
	}
	t.Logf("PgDog keys per section:\n%s", strings.Join(summary, "\n"))
}

// TestPgDogOnlyListsArePgDogKeys: what pgdogd lists as ignored is a PgDog
// key (of the schema, or an earlier release), and says what pgdogd does instead.
func TestPgDogOnlyListsArePgDogKeys(t *testing.T) {
	for section := range pgdogSchema {
		known := set(append(slices.Clone(pgdogSchema[section]), pgdogLegacy[section]...)...)
		for key, instead := range ignoredIn(section) {
			if !known[key] {
				t.Errorf("%s lists %s as a PgDog key, but PgDog's schema has no such key", section, key)
			}
			if !strings.HasPrefix(instead, "ignored: ") || len(instead) < len("ignored: ")+10 {
				t.Errorf("%s.%s: the warning does not say what pgdogd does instead: %q", section, key, instead)
			}
		}
	}
	for name := range pgdogOnlySections {
		if _, ok := pgdogSchema[name]; !ok && !slices.Contains(pgdogLegacy["pgdog.toml"], name) {
			t.Errorf("section %s is listed but not in PgDog's schema", name)
		}
	}
}

// TestPgDogLegacyAccepted: the keys of earlier PgDog releases load too.
func TestPgDogLegacyAccepted(t *testing.T) {
	keys := map[string][]string{"pgdog.toml": pgdogLegacy["pgdog.toml"], "general": pgdogLegacy["general"],
		"manual_queries": {"fingerprint"}, "fdw": {"enabled", "green_port", "blue_port", "launch_timeout"}}
	for section, list := range keys {
		if bad := unknownKeysOf(t, section, list); len(bad) > 0 {
			t.Errorf("%s: unknown %v", section, bad)
		}
	}
}
