// Tests of PGDOG_<KEY> environment overrides of [general].

package config

import (
	"testing"
	"time"
)

func TestEnvOverrides(t *testing.T) {
	tests := []struct {
		env, value string
		check      func(g General) bool
	}{
		{"PGDOG_PORT", "7000", func(g General) bool { return g.Port == 7000 }},
		{"PGDOG_POOLER_MODE", "session", func(g General) bool { return g.PoolerMode == ModeSession }},
		{"PGDOG_CHECKOUT_TIMEOUT", "250", func(g General) bool { return g.CheckoutTimeout == 250*time.Millisecond }},
		{"PGDOG_MIRROR_EXPOSURE", "0.25", func(g General) bool { return g.MirrorExposure == 0.25 }},
		{"PGDOG_TLS_CLIENT_REQUIRED", "off", func(g General) bool { return !g.TLSClientRequired }},
		{"PGDOG_HOST", "127.0.0.1", func(g General) bool { return g.Host == "127.0.0.1" }},
		{"PGDOG_MAX_MESSAGE_SIZE", "1048576", func(g General) bool { return g.MaxMessageSize == 1<<20 }},
		{"PGDOG_PORT", "", func(g General) bool { return g.Port == 6500 }}, // empty = unset
	}
	// The file sets port 6500 and pooler_mode transaction: the environment wins.
	const pgdog = "[general]\nport = 6500\npooler_mode = \"transaction\"\n" + baseDB
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tt.env, tt.value)
			cfg, err := Load(writeFiles(t, pgdog, baseUsers))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(cfg.General) {
				t.Errorf("%s=%q not applied: %+v", tt.env, tt.value, cfg.General)
			}
		})
	}
}

func TestEnvBadValues(t *testing.T) {
	tests := []struct{ env, value, msg string }{
		{"PGDOG_PORT", "abc", `expected an integer, got "abc"`},
		{"PGDOG_PORT", "99999", "port must be within 1..65535, got 99999"},
		{"PGDOG_POOLER_MODE", "sessions", `"sessions" is not one of transaction, session`},
		{"PGDOG_TLS_CLIENT_REQUIRED", "maybe", `expected true or false, got "maybe"`},
		{"PGDOG_IDLE_TIMEOUT", "-5", "must not be negative, got -5"},
	}
	for _, tt := range tests {
		t.Run(tt.env+"="+tt.value, func(t *testing.T) {
			clearEnv(t)
			t.Setenv(tt.env, tt.value)
			_, err := Load(writeFiles(t, baseDB, baseUsers))
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("want *Error, got %v", err)
			}
			p := findProblem(t, e.Problems, EnvironmentFile, tt.env)
			if p.Msg != tt.msg || p.Line != 0 {
				t.Errorf("problem = %+v, want msg %q", p, tt.msg)
			}
		})
	}
}

func TestEnvPgDogOnlyWarns(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_DRY_RUN", "true")
	cfg, err := Load(writeFiles(t, baseDB, baseUsers))
	if err != nil {
		t.Fatal(err)
	}
	want := "environment: key PGDOG_DRY_RUN is a PgDog setting pgdogd does not implement; " + insteadParser
	if len(cfg.Warnings) != 1 || cfg.Warnings[0] != want {
		t.Errorf("warnings = %q", cfg.Warnings)
	}
}

func TestEnvAdminPassword(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_ADMIN_PASSWORD", "from-env")
	cfg, err := Load(writeFiles(t, baseDB, baseUsers))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Admin.Password != "from-env" || cfg.Admin.PasswordGenerated {
		t.Errorf("admin = %+v", cfg.Admin)
	}
}
