// Tests of ${VAR} expansion in the files, as PgDog does it.

package config

import (
	"testing"
	"time"
)

func TestExpandEnv(t *testing.T) {
	t.Setenv("PGDOGD_TEST_VAR", "expanded")
	t.Setenv("PGDOGD_TEST_EMPTY", "")
	tests := []struct{ in, want string }{
		{"${PGDOGD_TEST_VAR}", "expanded"},
		{"a${PGDOGD_TEST_VAR}b${PGDOGD_TEST_VAR}", "aexpandedbexpanded"},
		{"${PGDOGD_TEST_MISSING}", "${PGDOGD_TEST_MISSING}"},
		{"${PGDOGD_TEST_MISSING:-fallback}", "fallback"},
		{"${PGDOGD_TEST_VAR:-fallback}", "expanded"},
		{"${PGDOGD_TEST_EMPTY:-fallback}", ""}, // set, though empty: not the fallback
		{"$PGDOGD_TEST_VAR/db", "$PGDOGD_TEST_VAR/db"},
		{"p$$w0rd", "p$$w0rd"},
		{"${PGDOGD_TEST_VAR", "${PGDOGD_TEST_VAR"},
		{"${PGDOGD TEST}", "${PGDOGD TEST}"},
		{"${}", "${}"},
		{"${1VAR}", "${1VAR}"},
		{"$${PGDOGD_TEST_VAR}", "${PGDOGD_TEST_VAR}"},
		{"$${PGDOGD_TEST_MISSING}", "${PGDOGD_TEST_MISSING}"},
		{"a$${b", "a$${b"},
		{"password = \"ab${cd\"\nhost = \"${PGDOGD_TEST_VAR}\"", "password = \"ab${cd\"\nhost = \"expanded\""},
	}
	for _, tt := range tests {
		if got := expandEnv(tt.in); got != tt.want {
			t.Errorf("expandEnv(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFilesExpanded: both files are expanded before they are parsed, in
// values of any type.
func TestFilesExpanded(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOGD_TEST_TIMEOUT", "1_500")
	t.Setenv("PGDOGD_TEST_HOST", "db.internal")
	t.Setenv("PGDOGD_TEST_PASSWORD", "s3cret")
	cfg, err := Load(writeFiles(t,
		"[general]\ncheckout_timeout = ${PGDOGD_TEST_TIMEOUT}\n[[databases]]\nname = \"prod\"\nhost = \"${PGDOGD_TEST_HOST}\"\n",
		"[[users]]\nname = \"alice\"\ndatabase = \"prod\"\npassword = \"${PGDOGD_TEST_PASSWORD}\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.General.CheckoutTimeout != 1500*time.Millisecond || cfg.Databases[0].Host != "db.internal" ||
		cfg.Users[0].Password != "s3cret" {
		t.Errorf("not expanded: %+v %+v %+v", cfg.General.CheckoutTimeout, cfg.Databases[0], cfg.Users[0])
	}
}
