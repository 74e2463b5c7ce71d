// TestPgDogConfig: pgdogd starts unchanged on a PgDog configuration using every key of PgDog's schema.

package testsuite

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgdogFullDir holds the PgDog configuration the test starts pgdogd on.
const pgdogFullDir = "testdata/pgdog-full"

// pgdogFullWarned are the keys of testdata/pgdog-full that pgdogd warns
// about, once each: the PgDog keys it does not implement, by section.
var pgdogFullWarned = map[string]string{
	"general": `listen_backlog background_workers
		healthcheck_port require_healthcheck_on_discovery
		rollback_timeout
		read_after_write_ms primary_functions route_unknown_functions_to_primary
		shutdown_termination_timeout broadcast_address broadcast_port query_log query_log_stdout
		log_min_duration_parse log_query_sample_length query_size_limit query_size_limit_action
		query_parser_enabled query_parser regex_parser_limit query_parser_engine prepared_statements_ttl
		prepared_statements_ttl_jitter query_cache_limit passthrough_auth_debounce_delay
		query_timeout dry_run server_lifetime_jitter cross_shard_disabled dns_ttl pub_sub_channel_size
		log_format log_level log_connections log_disconnections log_dedup_window log_dedup_threshold
		two_phase_commit two_phase_commit_auto two_phase_commit_wal_dir two_phase_commit_wal_segment_size
		two_phase_commit_wal_fsync_interval two_phase_commit_wal_checkpoint_interval expanded_explain
		stats_period connection_recovery client_connection_recovery
		unique_id_min unique_id_function system_catalogs omnisharded_sticky
		resharding_copy_format sharding_lookup_cache_size sharding_lookup_timeout resharding_parallel_copies
		resharding_copy_retry_max_attempts resharding_copy_retry_min_delay
		resharding_replication_retry_max_attempts resharding_replication_retry_min_delay reload_schema_on_ddl
		load_schema canonicalize_type_information cutover_traffic_stop_threshold
		cutover_replication_lag_threshold cutover_last_transaction_delay cutover_timeout cutover_timeout_action
		cutover_save_config sts_server_id`,
	"databases": `statement_timeout lock_timeout idle_timeout read_only server_lifetime server_lifetime_jitter
		resharding_only lb_weight pool_size_primary pool_size_replica min_pool_size_primary min_pool_size_replica
		idle_timeout_primary idle_timeout_replica tls_verify tls_server_ca_certificate tls_server_certificate
		tls_server_private_key`,
	"users": `identity tls_client_certificate_required
		server_auth server_iam_region server_iam_assume_role server_vault_path vault_refresh_percent vault_path
		allowed_iam_arns replication_mode replication_sharding schema_admin cross_shard_disabled two_phase_commit
		two_phase_commit_auto server_lifetime_jitter pool_size_primary pool_size_replica min_pool_size_primary
		min_pool_size_replica idle_timeout_primary idle_timeout_replica`,
	// Whole sections pgdogd ignores get one warning each.
	"": `rewrite tcp multi_tenant plugins sharded_tables omnisharded_tables sharded_mappings sharded_schemas
		replica_lag replication resharding memory otel vault query_parsers`,
}

// pgdogFullOther are the warnings of testdata/pgdog-full that are not about a key.
var pgdogFullOther = []string{
	`database "sharded" is sharded (2 shards); pgdogd does not shard`,
	`user "nopw" has no password and passthrough_auth is off: no client can log in as it`,
	`database is given with databases: databases is used, as in PgDog`,
}

// warnedKeys is pgdogFullWarned as a sorted list of generic keys ("general.dry_run", "tcp").
func warnedKeys() []string {
	var out []string
	for section, keys := range pgdogFullWarned {
		for _, k := range strings.Fields(keys) {
			if section != "" {
				k = section + "." + k
			}
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

var (
	warnLine  = regexp.MustCompile(`level=WARN msg=("(?:[^"\\]|\\.)*"|\S+)`)
	warnedKey = regexp.MustCompile(`^\S+: key (\S+) is a PgDog setting pgdogd does not implement; ignored: \S`)
)

// startupWarnings returns the warnings of a log up to the line that says
// pgdogd listens (all of it when there is none): the keys warned about,
// sorted, and the other warnings.
func startupWarnings(log string) (keys, others []string) {
	if i := strings.Index(log, "pgdogd listening"); i >= 0 {
		log = log[:i]
	}
	for _, m := range warnLine.FindAllStringSubmatch(log, -1) {
		msg := m[1]
		if unquoted, err := strconv.Unquote(msg); err == nil {
			msg = unquoted
		}
		if k := warnedKey.FindStringSubmatch(msg); k != nil {
			keys = append(keys, k[1])
		} else {
			others = append(others, msg)
		}
	}
	slices.Sort(keys)
	return keys, others
}

// pgdogFullEnv is the environment testdata/pgdog-full expands: the cluster,
// free ports for pgdogd and its metrics, and TLS files.
func pgdogFullEnv(t *testing.T, c *Cluster, port int) []string {
	t.Helper()
	metrics, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	certs := NewTestCerts(t)
	return []string{
		"PGDOGD_FULL_PORT=" + strconv.Itoa(port), "PGDOGD_FULL_METRICS_PORT=" + strconv.Itoa(metrics),
		"PGDOGD_FULL_PG_HOST=" + c.Host, "PGDOGD_FULL_PG_PORT=" + strconv.Itoa(c.Port),
		"PGDOGD_FULL_CA=" + certs.CAFile, "PGDOGD_FULL_CERT=" + certs.ServerCert, "PGDOGD_FULL_KEY=" + certs.ServerKey,
		"PGDOGD_FULL_CLIENT_CERT=" + certs.ClientCert, "PGDOGD_FULL_CLIENT_KEY=" + certs.ClientKey,
	}
}

// startProxyOnFiles starts pgdogd with args and extra environment, in a
// fresh directory, and waits for it to accept on port; it is stopped when t ends.
func startProxyOnFiles(t *testing.T, port int, env []string, args ...string) *Proxy {
	t.Helper()
	bin, err := ProxyBinary()
	if err != nil {
		t.Fatalf("pgdogd binary unavailable: %v", err)
	}
	p := &Proxy{Endpoint: Endpoint{Host: "127.0.0.1", Port: port}, Dir: t.TempDir()}
	p.start(t, append([]string{bin}, args...), env)
	return p
}

// TestPgDogConfig starts pgdogd on a PgDog configuration that uses every key
// of PgDog's schema: it starts with exactly the expected warnings, configcheck
// agrees, a client queries the plain database, and a client of the sharded
// database gets FATAL 0A000.
func TestPgDogConfig(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	env := pgdogFullEnv(t, shared, port)
	abs, err := filepath.Abs(pgdogFullDir)
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"--config", filepath.Join(abs, "pgdog.toml"), "--users", filepath.Join(abs, "users.toml")}
	p := startProxyOnFiles(t, port, env, files...)

	keys, others := startupWarnings(p.Logs())
	if want := warnedKeys(); !slices.Equal(keys, want) {
		t.Errorf("warned keys differ from the table:\nunexpected: %q\nmissing: %q",
			difference(keys, want), difference(want, keys))
	}
	checkOtherWarnings(t, others)

	t.Run("configcheck agrees", func(t *testing.T) {
		bin, _ := ProxyBinary()
		cmd := exec.Command(bin, append(files, "configcheck")...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("configcheck failed on files pgdogd started on: %v\n%s", err, out)
		}
		checkKeys, checkOthers := startupWarnings(string(out))
		if !slices.Equal(checkKeys, keys) || !slices.Equal(checkOthers, others) {
			t.Errorf("configcheck warns about\n%q\n%q\nthe start about\n%q\n%q", checkKeys, checkOthers, keys, others)
		}
	})

	t.Run("plain database served", func(t *testing.T) {
		ctx := testCtx(t, 20*time.Second)
		conn := p.MustConnect(t, Alice)
		defer closeQuietly(conn)
		if n, err := queryInt(ctx, conn, "SELECT count(*) FROM kv"); err != nil || n != 100 {
			t.Fatalf("SELECT count(*) FROM kv = %d, %v; want 100", n, err)
		}
	})

	t.Run("sharded database refused", func(t *testing.T) {
		ctx := testCtx(t, 20*time.Second)
		conn, err := p.Connect(ctx, Alice.WithDatabase("sharded"))
		if err == nil {
			closeQuietly(conn)
			t.Fatal("a client of the sharded database was served")
		}
		if sqlState(err) != "0A000" || !strings.Contains(err.Error(), `database "sharded" is sharded; pgdogd does not shard`) {
			t.Fatalf("got %v (SQLSTATE %q), want FATAL 0A000 naming the database", err, sqlState(err))
		}
	})
}

// checkOtherWarnings requires each expected warning not about a key once, and no other.
func checkOtherWarnings(t *testing.T, others []string) {
	t.Helper()
	seen := make([]int, len(pgdogFullOther))
	for _, w := range others {
		i := slices.IndexFunc(pgdogFullOther, func(want string) bool { return strings.Contains(w, want) })
		if i < 0 {
			t.Errorf("unexpected warning: %s", w)
			continue
		}
		seen[i]++
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("warning %q seen %d times, want once", pgdogFullOther[i], n)
		}
	}
}

// difference lists the elements of a not in b.
func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
