// Tests of the replica keys of [general]: decoding, checks, SET ranges, the environment and PgDog's spellings.

package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// replicaKeys sets every replica key of [general] to a value other than its default.
const replicaKeys = `[general]
load_balancing_strategy = "least_active_connections"
read_write_strategy = "aggressive"
read_write_split = "include_primary_if_replica_banned"
healthcheck_interval = 1_000
idle_healthcheck_interval = 2_000
idle_healthcheck_delay = 0
healthcheck_timeout = 300
ban_timeout = 60_000
ban_replica_lag = 10_000
ban_replica_lag_bytes = 25_000_000
connect_attempts = 3
connect_attempt_delay = 250
lsn_check_interval = 1_000
lsn_check_timeout = 500
lsn_check_delay = 0
`

func TestReplicaKeysDecode(t *testing.T) {
	g := mustLoad(t, replicaKeys+baseDB, baseUsers).General
	want := defaultGeneral()
	want.LoadBalancingStrategy, want.ReadWriteStrategy = BalanceLeastActiveConnections, StrategyAggressive
	want.ReadWriteSplit = SplitIncludePrimaryIfReplicaBanned
	want.HealthcheckInterval, want.IdleHealthcheckInterval = time.Second, 2*time.Second
	want.IdleHealthcheckDelay, want.HealthcheckTimeout, want.BanTimeout = 0, 300*time.Millisecond, time.Minute
	want.BanReplicaLag, want.BanReplicaLagBytes = 10*time.Second, 25_000_000
	want.ConnectAttempts, want.ConnectAttemptDelay = 3, 250*time.Millisecond
	want.LsnCheckInterval, want.LsnCheckTimeout, want.LsnCheckDelay = time.Second, 500*time.Millisecond, 0
	if g != want {
		t.Errorf("general:\n got %+v\nwant %+v", g, want)
	}
	for _, k := range []string{"load_balancing_strategy", "healthcheck_interval", "lsn_check_delay"} {
		if PgDogOnly(k) {
			t.Errorf("%s is still listed as a PgDog key pgdogd does not implement", k)
		}
	}
}

// TestReplicaKeysPrintRoundTrip: configcheck's [general] loads back to the same values.
func TestReplicaKeysPrintRoundTrip(t *testing.T) {
	cfg := mustLoad(t, replicaKeys+baseDB, baseUsers)
	var b strings.Builder
	if err := cfg.Print(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, line := range []string{"load_balancing_strategy = \"least_active_connections\"\n",
		"ban_replica_lag = 10000 # ms\n", "ban_replica_lag_bytes = 25000000\n", "lsn_check_delay = 0 # ms\n"} {
		if !strings.Contains(out, line) {
			t.Errorf("configcheck lacks %q:\n%s", line, out)
		}
	}
	general := out[strings.Index(out, "[general]"):strings.Index(out, "[[databases]]")]
	if again := mustLoad(t, general+baseDB, baseUsers); again.General != cfg.General {
		t.Errorf("printed [general] loads as\n%+v\nwant\n%+v", again.General, cfg.General)
	}
}

// TestReplicaKeyProblems: each key's check names the file, line and key.
func TestReplicaKeyProblems(t *testing.T) {
	tests := []struct{ key, value, msg string }{
		{"load_balancing_strategy", `"fastest"`,
			`"fastest" is not one of random, round_robin, least_active_connections`},
		{"read_write_strategy", `"lazy"`, `"lazy" is not one of conservative, aggressive`},
		{"read_write_split", `"primary_only"`, `"primary_only" is not one of include_primary, exclude_primary, ` +
			`include_primary_if_replica_banned, prefer_primary`},
		{"healthcheck_interval", "0", "must be at least 1 ms, got 0"},
		{"idle_healthcheck_interval", "0", "must be at least 1 ms, got 0"},
		{"idle_healthcheck_delay", "-1", "must not be negative, got -1"},
		{"healthcheck_timeout", "0", "must be at least 1 ms, got 0"},
		{"ban_timeout", `"5m"`, `expected an integer, got string "5m"`},
		{"ban_replica_lag", "-1", "must not be negative, got -1"},
		{"ban_replica_lag_bytes", "1.5", "expected an integer, got float 1.5"},
		{"connect_attempts", "0", "must be at least 1, got 0"},
		{"connect_attempt_delay", "-5", "must not be negative, got -5"},
		{"lsn_check_interval", "0", "must be at least 1 ms, got 0"},
		{"lsn_check_timeout", "0", "must be at least 1 ms, got 0"},
		{"lsn_check_delay", "true", "expected an integer, got boolean true"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			ps := loadProblems(t, "[general]\nport = 6432\n"+tt.key+" = "+tt.value+"\n"+baseDB, baseUsers)
			p := findProblem(t, ps, "pgdog.toml", "general."+tt.key)
			if p.Line != 3 || p.Msg != tt.msg {
				t.Errorf("problem %+v, want line 3 and %q", p, tt.msg)
			}
		})
	}
}

// TestReplicaKeysSet: SET takes the edges of each key's range and refuses what lies beyond.
func TestReplicaKeysSet(t *testing.T) {
	tests := []setCase{
		{"load_balancing_strategy", "round_robin", func(g General) bool { return g.LoadBalancingStrategy == BalanceRoundRobin }, ""},
		{"load_balancing_strategy", "weighted_round_robin", nil, `load_balancing_strategy "weighted_round_robin" ` +
			`is not one of random, round_robin, least_active_connections`},
		{"read_write_strategy", "aggressive", func(g General) bool { return g.ReadWriteStrategy == StrategyAggressive }, ""},
		{"read_write_strategy", "Aggressive", nil, `read_write_strategy "Aggressive" is not one of conservative, aggressive`},
		{"read_write_split", "exclude_primary", func(g General) bool { return g.ReadWriteSplit == SplitExcludePrimary }, ""},
		{"read_write_split", "", nil, `read_write_split "" is not one of include_primary, exclude_primary, ` +
			`include_primary_if_replica_banned, prefer_primary`},
		{"healthcheck_interval", "1", func(g General) bool { return g.HealthcheckInterval == time.Millisecond }, ""},
		{"healthcheck_interval", "0", nil, `healthcheck_interval must be a whole number of milliseconds from 1, got "0"`},
		{"idle_healthcheck_interval", "0", nil, `idle_healthcheck_interval must be a whole number of milliseconds from 1, got "0"`},
		{"idle_healthcheck_delay", "0", func(g General) bool { return g.IdleHealthcheckDelay == 0 }, ""},
		{"healthcheck_timeout", "31536000000", func(g General) bool { return g.HealthcheckTimeout == 365*24*time.Hour }, ""},
		{"healthcheck_timeout", "31536000001", nil, `healthcheck_timeout must be a whole number of milliseconds from 1, got "31536000001"`},
		{"ban_timeout", "0", func(g General) bool { return g.BanTimeout == 0 }, ""},
		{"ban_replica_lag", "0", func(g General) bool { return g.BanReplicaLag == 0 }, ""},
		{"ban_replica_lag", "-1", nil, `ban_replica_lag must be a whole number of milliseconds from 0, got "-1"`},
		{"ban_replica_lag_bytes", "9223372036854775807", func(g General) bool { return g.BanReplicaLagBytes == 1<<63-1 }, ""},
		{"ban_replica_lag_bytes", "-1", nil, `ban_replica_lag_bytes must be a whole number from 0 to 9223372036854775807, got "-1"`},
		{"connect_attempts", "100", func(g General) bool { return g.ConnectAttempts == 100 }, ""},
		{"connect_attempts", "0", nil, `connect_attempts must be a whole number from 1 to 100, got "0"`},
		{"connect_attempts", "101", nil, `connect_attempts must be a whole number from 1 to 100, got "101"`},
		{"connect_attempt_delay", "0", func(g General) bool { return g.ConnectAttemptDelay == 0 }, ""},
		{"lsn_check_interval", "0", nil, `lsn_check_interval must be a whole number of milliseconds from 1, got "0"`},
		{"lsn_check_timeout", "1", func(g General) bool { return g.LsnCheckTimeout == time.Millisecond }, ""},
		{"lsn_check_delay", "0", func(g General) bool { return g.LsnCheckDelay == 0 }, ""},
		{"lsn_check_delay", "9223372036854", func(g General) bool { return g.LsnCheckDelay == Never }, ""},
		{"lsn_check_delay", "9223372036855", nil, `lsn_check_delay must be a whole number of milliseconds from 0, got "9223372036855"`},
	}
	runSetCases(t, tests)
}

// TestReplicaKeysEnv: PGDOG_<KEY> overrides the file, and a bad value is a problem of the environment.
func TestReplicaKeysEnv(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_LOAD_BALANCING_STRATEGY", "round_robin")
	t.Setenv("PGDOG_READ_WRITE_SPLIT", "exclude_primary")
	t.Setenv("PGDOG_BAN_TIMEOUT", "1_000")
	t.Setenv("PGDOG_BAN_REPLICA_LAG_BYTES", "9223372036854775807")
	t.Setenv("PGDOG_CONNECT_ATTEMPTS", "2")
	t.Setenv("PGDOG_LSN_CHECK_DELAY", "0")
	cfg, err := Load(writeFiles(t, replicaKeys+baseDB, baseUsers))
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.General
	if g.LoadBalancingStrategy != BalanceRoundRobin || g.ReadWriteSplit != SplitExcludePrimary ||
		g.BanTimeout != time.Second || g.BanReplicaLagBytes != 0 || g.ConnectAttempts != 2 || g.LsnCheckDelay != 0 {
		t.Errorf("environment not applied: %+v", g)
	}
	for _, tt := range []struct{ env, value, msg string }{
		{"PGDOG_READ_WRITE_STRATEGY", "eager", `"eager" is not one of conservative, aggressive`},
		{"PGDOG_HEALTHCHECK_INTERVAL", "0", "must be at least 1 ms, got 0"},
		{"PGDOG_CONNECT_ATTEMPT_DELAY", "1s", `expected an integer, got "1s"`},
	} {
		clearEnv(t)
		t.Setenv(tt.env, tt.value)
		_, err := Load(writeFiles(t, baseDB, baseUsers))
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("%s=%s: want *Error, got %v", tt.env, tt.value, err)
		}
		if p := findProblem(t, e.Problems, EnvironmentFile, tt.env); p.Msg != tt.msg {
			t.Errorf("%s=%s: %q, want %q", tt.env, tt.value, p.Msg, tt.msg)
		}
	}
}

// TestPgDogSpellings: PgDog's maxima for "no limit" and "never", and its
// strategies pgdogd does not implement, as pgdogd reads them.
func TestPgDogSpellings(t *testing.T) {
	cfg := mustLoad(t, `[general]
ban_replica_lag = 9223372036854775807
ban_replica_lag_bytes = 9223372036854775807
lsn_check_delay = 9223372036854775807
load_balancing_strategy = "weighted_round_robin"
read_write_split = "prefer_primary"
`+baseDB, baseUsers)
	g := cfg.General
	if g.BanReplicaLag != 0 || g.BanReplicaLagBytes != 0 || g.LsnCheckDelay != Never ||
		g.LoadBalancingStrategy != BalanceRoundRobin || g.ReadWriteSplit != SplitPreferPrimary {
		t.Errorf("general = %+v", g)
	}
	want := []string{
		"pgdog.toml:5: load_balancing_strategy weighted_round_robin weighs servers by lb_weight, which pgdogd " +
			"does not implement; round_robin applies",
		"pgdog.toml:6: read_write_split prefer_primary: pgdogd does not read the pgdog_role comment that sends " +
			"a query to a replica; every query goes to the primary",
	}
	if !slices.Equal(cfg.Warnings, want) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(cfg.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if Never.Milliseconds() != 9223372036854 || Never%time.Millisecond != 0 {
		t.Errorf("Never = %d ms", Never.Milliseconds())
	}
}
