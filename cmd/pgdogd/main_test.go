// Tests of the command line: PgDog's flags and subcommands, the help, and configcheck agreeing with the start.

package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
)

const (
	plainDB    = "[[databases]]\nname = \"prod\"\nhost = \"127.0.0.1\"\n"
	plainUsers = "[[users]]\nname = \"alice\"\ndatabase = \"prod\"\npassword = \"secret\"\n"
)

// clearEnv hides the PGDOG_* variables of the test process.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PGDOG_") {
			t.Setenv(k, "")
		}
	}
}

// files writes pgdog.toml and users.toml to a temporary directory.
func files(t *testing.T, pgdog, users string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	cp, up := filepath.Join(dir, "pgdog.toml"), filepath.Join(dir, "users.toml")
	for path, text := range map[string]string{cp: pgdog, up: users} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return cp, up
}

// runArgs runs the command line and returns its exit code, stdout and stderr.
func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// captureServe replaces the pooler by a recorder of the configuration it gets.
func captureServe(t *testing.T) **config.Config {
	t.Helper()
	var got *config.Config
	old := serveConfig
	serveConfig = func(cfg *config.Config, _ *slog.Logger) int { got = cfg; return 0 }
	t.Cleanup(func() { serveConfig = old })
	return &got
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help", "-help"} {
		code, out, errOut := runArgs(t, arg)
		if code != 0 || errOut != "" {
			t.Errorf("%s: exit %d, stderr %q", arg, code, errOut)
		}
		for _, want := range []string{"-c, --config PATH", "-u, --users PATH", "configcheck", "run options",
			"-p, --pool-size N", "-m, --min-pool-size N", "-s, --session-mode BOOL", "PGDOG_<KEY>",
			"PGDOG_ADMIN_PASSWORD", "${VAR:-fallback}", "-V, --version", "schema-sync", "-d, --database-url URL",
			"PGDOG_DATABASE_URL_1", "PGDOG_MIRRORING_1"} {
			if !strings.Contains(strings.ToLower(out), strings.ToLower(want)) {
				t.Errorf("%s: help lacks %q:\n%s", arg, want, out)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"-V", "--version"} {
		if code, out, _ := runArgs(t, arg); code != 0 || out != "pgdogd "+engine.Version+"\n" {
			t.Errorf("%s: exit %d, %q", arg, code, out)
		}
	}
}

// TestFlagSpellings: PgDog's short and long options, and pgdogd's own,
// before or after the command, all name the files.
func TestFlagSpellings(t *testing.T) {
	clearEnv(t)
	cp, up := files(t, plainDB, plainUsers)
	for _, args := range [][]string{
		{"-c", cp, "-u", up, "configcheck"},
		{"--config", cp, "--users", up, "configcheck"},
		{"--config=" + cp, "--users=" + up, "configcheck"},
		{"-config", cp, "-users", up, "configcheck"},
		{"configcheck", "--config", cp, "-u", up},
		{"-c", cp, "configcheck", "--users", up, "--log-level", "warn"},
	} {
		code, out, errOut := runArgs(t, args...)
		if code != 0 || !strings.Contains(out, "# config: "+cp) || !strings.Contains(out, "# users:  "+up) {
			t.Errorf("%q: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
	}
}

// TestDatabaseURLOption: PgDog's -d / --database-url give the databases and
// users; the files may then be absent.
func TestDatabaseURLOption(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	code, out, errOut := runArgs(t, "-c", filepath.Join(dir, "pgdog.toml"), "-u", filepath.Join(dir, "users.toml"),
		"-d", "postgres://bob:pw@127.0.0.1:5999/app", "--database-url=postgres://h/app2?pool_size=4", "configcheck")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{`name = "app"`, `port = 5999`, `name = "app2"`, `host = "h"`, "pool_size = 4",
		`name = "bob"`, `database = "app2"`} {
		if !strings.Contains(out, want) {
			t.Errorf("configcheck output lacks %q:\n%s", want, out)
		}
	}
}

func TestCommandLineErrors(t *testing.T) {
	clearEnv(t)
	cp, up := files(t, plainDB, plainUsers)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-c", cp, "-u", up, "frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"-c", cp, "-u", up, "schema-sync", "--from-database", "a"}, 2,
			`PgDog's "schema-sync" command is not implemented: pgdogd does not shard`},
		{[]string{"-c", cp, "-u", up, "fingerprint"}, 2, `PgDog's "fingerprint" command is not implemented`},
		{[]string{"-c", cp, "-u", up, "configcheck", "extra"}, 2, `unexpected argument "extra" after configcheck`},
		{[]string{"--nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"-c", cp, "-u", up, "configcheck", "--pool-size", "3"}, 2, "flag provided but not defined"},
		{[]string{"-c", cp, "-u", up, "run", "--pool-size", "many"}, 2, `want a whole number, got "many"`},
		{[]string{"-c", cp, "-u", up, "run", "-s", "maybe"}, 2, `want true or false, got "maybe"`},
		{[]string{"-c", cp, "-u", up, "--log-level", "loud", "configcheck"}, 2, `bad --log-level "loud"`},
		{[]string{"-c", filepath.Join(filepath.Dir(cp), "none.toml"), "-u", up, "configcheck"}, 1, "cannot read file"},
	}
	captureServe(t)
	for _, tt := range tests {
		code, _, errOut := runArgs(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.msg) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tt.args, code, errOut, tt.code, tt.msg)
		}
	}
}

// TestRunOptions: PgDog's run options override the files and the
// environment; without a command, pgdogd serves the files as they are.
func TestRunOptions(t *testing.T) {
	clearEnv(t)
	t.Setenv("PGDOG_DEFAULT_POOL_SIZE", "4")
	cp, up := files(t, "[general]\ndefault_pool_size = 3\nmin_pool_size = 0\n"+plainDB, plainUsers)
	got := captureServe(t)
	tests := []struct {
		args        []string
		size, min   int
		mode        config.Mode
		description string
	}{
		{[]string{"-c", cp, "-u", up}, 4, 0, config.ModeTransaction, "no command"},
		{[]string{"-c", cp, "-u", up, "run"}, 4, 0, config.ModeTransaction, "run"},
		{[]string{"-c", cp, "-u", up, "run", "--pool-size", "7", "--min-pool-size", "2", "--session-mode", "true"},
			7, 2, config.ModeSession, "long options"},
		{[]string{"-c", cp, "-u", up, "run", "-p", "9", "-m", "1", "-s", "false"}, 9, 1, config.ModeTransaction, "short"},
		{[]string{"run", "-p", "5", "-c", cp, "-u", up}, 5, 0, config.ModeTransaction, "files after run"},
	}
	for _, tt := range tests {
		*got = nil
		code, _, errOut := runArgs(t, tt.args...)
		g := (*got)
		if code != 0 || g == nil {
			t.Errorf("%s: exit %d, served %v, stderr %s", tt.description, code, g != nil, errOut)
			continue
		}
		if g.General.DefaultPoolSize != tt.size || g.General.MinPoolSize != tt.min || g.General.PoolerMode != tt.mode {
			t.Errorf("%s: served with size %d, min %d, mode %s; want %d, %d, %s", tt.description,
				g.General.DefaultPoolSize, g.General.MinPoolSize, g.General.PoolerMode, tt.size, tt.min, tt.mode)
		}
	}
}

// startErr builds the engine as the start does and returns why it cannot start.
func startErr(cp, up string) error {
	cfg, err := config.Load(cp, up)
	if err != nil {
		return err
	}
	_, err = engine.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return err
}

// TestConfigcheckAgreesWithStart: configcheck passes exactly when the start
// (config.Load and engine.New) does, over configurations PgDog accepts and
// ones that are wrong.
func TestConfigcheckAgreesWithStart(t *testing.T) {
	tests := []struct {
		name          string
		pgdog, users  string
		starts        bool
		warnedAboutIt string // in both configcheck's and the start's log
	}{
		{"plain", plainDB, plainUsers, true, ""},
		{"passwords list", plainDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npasswords = [\"x\", \"y\"]\n", true, ""},
		{"password hash with server_password", plainDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\nserver_password = \"s\"\n" +
			"password_hash = \"md5" + strings.Repeat("0", 32) + "\"\n", true, ""},
		{"malformed password hash", plainDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npassword_hash = \"SCRAM-SHA-256$4096:c2FsdA==$a:b\"\n",
			false, ""},
		{"no password", plainDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\n",
			true, `user "a" has no password and passthrough_auth is off`},
		{"no password under trust", "[general]\nauth_type = \"trust\"\n" + plainDB,
			"[[users]]\nname = \"a\"\ndatabase = \"prod\"\n", true, ""},
		{"malformed SCRAM verifier", plainDB, "[[users]]\nname = \"a\"\ndatabase = \"prod\"\npassword = \"SCRAM-SHA-256$1:x\"\n",
			false, ""},
		{"malformed admin password", plainDB + "[admin]\npassword = \"SCRAM-SHA-256$bad\"\n", plainUsers, false, ""},
		{"sharded database", plainDB + "[[databases]]\nname = \"big\"\nhost = \"a\"\n[[databases]]\nname = \"big\"\nhost = \"b\"\nshard = 1\n",
			plainUsers + "[[users]]\nname = \"alice\"\ndatabase = \"big\"\npassword = \"x\"\n", true, `database "big" is sharded`},
		{"replica", plainDB + "[[databases]]\nname = \"prod\"\nhost = \"r\"\nrole = \"replica\"\n", plainUsers,
			true, ""},
		{"two primaries", plainDB + "[[databases]]\nname = \"prod\"\nhost = \"p2\"\n", plainUsers,
			true, `has several primaries`},
		{"missing certificate file", "[general]\ntls_certificate = \"/nonexistent/c.pem\"\ntls_private_key = \"/nonexistent/k.pem\"\n" + plainDB,
			plainUsers, false, ""},
		{"unknown key", "[general]\nportt = 1\n" + plainDB, plainUsers, false, ""},
		{"PgDog sections", "[tcp]\nkeepalive = true\n[[query_parsers]]\ndatabase = \"prod\"\nlevel = \"on\"\n" + plainDB,
			plainUsers, true, "key query_parsers is a PgDog setting"},
	}
	got := captureServe(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			cp, up := files(t, tt.pgdog, tt.users)
			code, _, checkLog := runArgs(t, "-c", cp, "-u", up, "configcheck")
			err := startErr(cp, up)
			if (code == 0) != (err == nil) || (err == nil) != tt.starts {
				t.Fatalf("configcheck exit %d, start error %v; want starts=%v\nconfigcheck log:\n%s", code, err, tt.starts, checkLog)
			}
			if tt.warnedAboutIt == "" {
				return
			}
			*got = nil
			_, _, startLog := runArgs(t, "-c", cp, "-u", up)
			// slog quotes the messages: compare them unquoted.
			checkLog = strings.ReplaceAll(checkLog, `\"`, `"`)
			startLog = strings.ReplaceAll(startLog, `\"`, `"`)
			if *got == nil || !strings.Contains(checkLog, tt.warnedAboutIt) || !strings.Contains(startLog, tt.warnedAboutIt) {
				t.Errorf("warning %q: in configcheck's log %v, in the start's %v (served %v)\n%s\n%s", tt.warnedAboutIt,
					strings.Contains(checkLog, tt.warnedAboutIt), strings.Contains(startLog, tt.warnedAboutIt),
					*got != nil, checkLog, startLog)
			}
		})
	}
}
