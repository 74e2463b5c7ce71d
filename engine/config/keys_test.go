// Tests of the [general] registry: each key declared once, SET's edge values, defaults round-tripping, restart-only keys.

package config

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRegistryDeclaresEachKeyOnce: names and aliases are unique, and every
// field of General is filled by exactly one implemented key.
func TestRegistryDeclaresEachKeyOnce(t *testing.T) {
	names := map[string]int{}
	for _, k := range generalKeys {
		names[k.name]++
		if k.alias != "" {
			names[k.alias]++
		}
		if k.v == nil && (k.runtime || k.restart || k.alias != "") {
			t.Errorf("PgDog-only key %s has runtime behaviour", k.name)
		}
		if k.runtime && k.restart {
			t.Errorf("key %s is both settable and restart-only", k.name)
		}
	}
	for n, count := range names {
		if count != 1 {
			t.Errorf("key %s declared %d times", n, count)
		}
	}
	var g General
	owner := map[uintptr]string{}
	for k := range implementedKeys {
		p := reflect.ValueOf(k.v.ptr(&g)).Pointer()
		if other, dup := owner[p]; dup {
			t.Errorf("keys %s and %s fill the same field", other, k.name)
		}
		owner[p] = k.name
	}
	gv := reflect.ValueOf(&g).Elem()
	for i := 0; i < gv.NumField(); i++ {
		if _, ok := owner[gv.Field(i).Addr().Pointer()]; !ok {
			t.Errorf("field General.%s has no key", gv.Type().Field(i).Name)
		}
	}
}

// TestSetGeneral: SET accepts the edges of each runtime key's range and
// refuses what lies beyond, with the texts the admin console shows.
func TestSetGeneral(t *testing.T) {
	tests := []setCase{
		{"mirror_exposure", "0", func(g General) bool { return g.MirrorExposure == 0 }, ""},
		{"mirror_exposure", "1.0", func(g General) bool { return g.MirrorExposure == 1 }, ""},
		{"mirror_exposure", "0.25", func(g General) bool { return g.MirrorExposure == 0.25 }, ""},
		{"mirror_exposure", "1.01", nil, `mirror_exposure must be a number from 0.0 to 1.0, got "1.01"`},
		{"mirror_exposure", "-0", func(g General) bool { return g.MirrorExposure == 0 }, ""},
		{"mirror_exposure", "NaN", nil, `mirror_exposure must be a number from 0.0 to 1.0, got "NaN"`},
		{"mirror_exposure", "half", nil, `mirror_exposure must be a number from 0.0 to 1.0, got "half"`},
		{"mirror_queue", "1", func(g General) bool { return g.MirrorQueue == 1 }, ""},
		{"mirror_queue", "1048576", func(g General) bool { return g.MirrorQueue == 1<<20 }, ""},
		{"mirror_queue", "0", nil, `mirror_queue must be a whole number from 1 to 1048576, got "0"`},
		{"mirror_queue", "1048577", nil, `mirror_queue must be a whole number from 1 to 1048576, got "1048577"`},
		{"mirror_memory_limit", "1099511627776", func(g General) bool { return g.MirrorMemoryLimit == 1<<40 }, ""},
		{"mirror_memory_limit", "0", nil, `mirror_memory_limit must be a whole number from 1 to 1099511627776, got "0"`},
		{"mirror_max_transaction_size", "1024", func(g General) bool { return g.MirrorMaxTransactionBytes == 1024 }, ""},
		{"mirror_max_transaction_size", "1023", nil, `mirror_max_transaction_size must be a whole number from 1024 to 1073741824, got "1023"`},
		{"default_pool_size", "100000", func(g General) bool { return g.DefaultPoolSize == 100000 }, ""},
		{"default_pool_size", "0", nil, `default_pool_size must be a whole number from 1 to 100000, got "0"`},
		{"default_pool_size", " 5", nil, `default_pool_size must be a whole number from 1 to 100000, got " 5"`},
		{"min_pool_size", "0", func(g General) bool { return g.MinPoolSize == 0 }, ""},
		{"min_pool_size", "-1", nil, `min_pool_size must be a whole number from 0 to 100000, got "-1"`},
		{"checkout_timeout", "1", func(g General) bool { return g.CheckoutTimeout == time.Millisecond }, ""},
		{"checkout_timeout", "0", nil, `checkout_timeout must be a whole number of milliseconds from 1, got "0"`},
		{"checkout_timeout", "soon", nil, `checkout_timeout must be a whole number of milliseconds from 1, got "soon"`},
		{"connect_timeout", "31536000000", func(g General) bool { return g.ConnectTimeout == 365*24*time.Hour }, ""},
		{"connect_timeout", "31536000001", nil, `connect_timeout must be a whole number of milliseconds from 1, got "31536000001"`},
		{"idle_timeout", "0", func(g General) bool { return g.IdleTimeout == 0 }, ""},
		{"server_lifetime", "-1", nil, `server_lifetime must be a whole number of milliseconds from 0, got "-1"`},
		{"shutdown_timeout", "0", func(g General) bool { return g.ShutdownTimeout == 0 }, ""},
	}
	runSetCases(t, tests)
}

// setCase is one admin SET of a [general] key: want checks the result, nil when SET must
// refuse it with msg.
type setCase struct {
	key, value string
	want       func(g General) bool
	msg        string
}

// runSetCases runs each SET on the defaults.
func runSetCases(t *testing.T, tests []setCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			g := defaultGeneral()
			err := SetGeneral(&g, tt.key, tt.value)
			switch {
			case tt.want == nil && (err == nil || err.Error() != tt.msg):
				t.Errorf("err = %v, want %q", err, tt.msg)
			case tt.want == nil && g != defaultGeneral():
				t.Errorf("refused SET changed the settings: %+v", g)
			case tt.want != nil && err != nil:
				t.Errorf("refused: %v", err)
			case tt.want != nil && !tt.want(g):
				t.Errorf("not applied: %+v", g)
			}
		})
	}
}

func TestSetGeneralNotSettable(t *testing.T) {
	settable := strings.Join(RuntimeKeys(), ", ")
	for _, key := range []string{"port", "auth_type", "max_pool_size", "dry_run", "no_such_key"} {
		g := defaultGeneral()
		err := SetGeneral(&g, key, "1")
		want := `unknown or read-only setting "` + key + `"; settable: ` + settable
		if !errors.Is(err, ErrNotSettable) || err.Error() != want {
			t.Errorf("SET %s: %v, want %q", key, err, want)
		}
	}
	want := []string{"ban_replica_lag", "ban_replica_lag_bytes", "ban_timeout", "checkout_timeout",
		"connect_attempt_delay", "connect_attempts", "connect_timeout", "default_pool_size", "healthcheck_interval",
		"healthcheck_timeout", "idle_healthcheck_delay", "idle_healthcheck_interval", "idle_timeout",
		"load_balancing_strategy", "lsn_check_delay", "lsn_check_interval", "lsn_check_timeout", "min_pool_size",
		"mirror_exposure", "mirror_max_transaction_size", "mirror_memory_limit", "mirror_queue", "mirror_stats",
		"mirror_stats_metrics", "mirror_stats_queries", "mirror_stats_timing", "read_write_split",
		"read_write_strategy", "server_lifetime", "shutdown_timeout"}
	if got := RuntimeKeys(); !slices.Equal(got, want) {
		t.Errorf("RuntimeKeys = %q, want %q", got, want)
	}
}

// TestDefaultsSettable: every runtime key's default is within SET's range.
func TestDefaultsSettable(t *testing.T) {
	for _, s := range defaultSettings(t) {
		if !s.Runtime {
			continue
		}
		g := defaultGeneral()
		if err := SetGeneral(&g, s.Key, s.Default); err != nil {
			t.Errorf("SET %s to its default %s: %v", s.Key, s.Default, err)
		}
	}
}

// defaultSettings are the settings of a configuration that sets no [general] key.
func defaultSettings(t *testing.T) []Setting {
	t.Helper()
	return mustLoad(t, baseDB, baseUsers).Settings()
}

func TestSettings(t *testing.T) {
	ss := defaultSettings(t)
	var keys, runtime []string
	for _, s := range ss {
		keys = append(keys, s.Key)
		if s.Value != s.Default {
			t.Errorf("%s: value %q differs from default %q with nothing set", s.Key, s.Value, s.Default)
		}
		if s.Runtime {
			runtime = append(runtime, s.Key)
		}
	}
	slices.Sort(runtime)
	if !slices.Equal(runtime, RuntimeKeys()) {
		t.Errorf("runtime settings %q, RuntimeKeys %q", runtime, RuntimeKeys())
	}
	want := map[string]string{"port": "6432", "checkout_timeout": "5000", "mirror_exposure": "1",
		"pooler_mode": "transaction", "pin_session_state": "true", "prepared_statements_limit": "9223372036854775807"}
	for _, s := range ss {
		if w, ok := want[s.Key]; ok && s.Value != w {
			t.Errorf("%s = %q, want %q", s.Key, s.Value, w)
		}
		delete(want, s.Key)
	}
	if len(want) != 0 || slices.Contains(keys, "max_pool_size") || slices.Contains(keys, "dry_run") {
		t.Errorf("settings %q: missing %v, or an alias or PgDog-only key listed", keys, want)
	}
}

// TestPrintLoadRoundTrip: configcheck's [general] section loads back to the
// same values, for the defaults and for a file that sets every key.
func TestPrintLoadRoundTrip(t *testing.T) {
	full := `
[general]
host = "127.0.0.1"
port = 7000
workers = 3
default_pool_size = 12
min_pool_size = 2
pooler_mode = "session"
checkout_timeout = 1234
idle_timeout = 0
auth_type = "md5"
prepared_statements = "disabled"
prepared_statements_limit = 100
mirror_exposure = 0.25
mirror_seed = 3
pin_session_state = false
openmetrics_port = 9090
tls_certificate = "c.pem"
tls_private_key = "k.pem"
tls_client_required = true
tls_verify = "verify_full"
client_idle_timeout = 12
max_message_size = 4096
`
	for name, pgdog := range map[string]string{"defaults": baseDB, "every kind": full + baseDB} {
		t.Run(name, func(t *testing.T) {
			cfg := mustLoad(t, pgdog, baseUsers)
			var b strings.Builder
			if err := cfg.Print(&b); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			general := out[strings.Index(out, "[general]"):strings.Index(out, "[[databases]]")]
			again := mustLoad(t, general+baseDB, baseUsers)
			if again.General != cfg.General {
				t.Errorf("printed [general] loads as\n%+v\nwant\n%+v\nprinted:\n%s", again.General, cfg.General, general)
			}
		})
	}
	if g := defaultGeneral(); g.PreparedStatementsLimit != math.MaxInt64 || g.PoolerMode != ModeTransaction {
		t.Errorf("defaults = %+v", g)
	}
}

// TestKeepRestartOnly: RELOAD keeps the running value of restart-only keys
// and reports them; other keys take the file's value.
func TestKeepRestartOnly(t *testing.T) {
	running := defaultGeneral()
	loaded := running
	loaded.Port, loaded.Workers, loaded.MaxMessageSize, loaded.OpenmetricsHost = 7000, 8, 2048, "127.0.0.1"
	loaded.CheckoutTimeout, loaded.AuthType = time.Second, AuthMD5
	changed := KeepRestartOnly(&running, &loaded)
	if want := []string{"port", "workers", "openmetrics_host", "max_message_size"}; !slices.Equal(changed, want) {
		t.Errorf("changed = %q, want %q", changed, want)
	}
	want := running
	want.CheckoutTimeout, want.AuthType = time.Second, AuthMD5
	if loaded != want {
		t.Errorf("loaded after keep:\n%+v\nwant\n%+v", loaded, want)
	}
	if changed := KeepRestartOnly(&running, &loaded); len(changed) != 0 {
		t.Errorf("nothing changed, yet %q", changed)
	}
}
