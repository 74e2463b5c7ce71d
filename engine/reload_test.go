// reload_test.go tests RELOAD: pools kept with new limits, pools replaced and retired once their clients left, files refused, and settings that need a restart.

package engine

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgdogd/pgdogd/engine/config"
)

// confFiles are the two configuration files of a reload test.
type confFiles struct {
	t           *testing.T
	pgdog, user string // paths
}

// general is a [general] section: one worker, trust, the pools' size and
// what else is given.
func general(size int, extra ...string) string {
	return fmt.Sprintf("[general]\nhost = \"127.0.0.1\"\nport = 6432\nworkers = 1\nauth_type = \"trust\"\n"+
		"default_pool_size = %d\nmin_pool_size = 0\n%s\n", size, strings.Join(extra, "\n"))
}

// databases are [[databases]] db on host, and m.
func databases(host string) string {
	return fmt.Sprintf("[[databases]]\nname = \"db\"\nhost = %q\n\n[[databases]]\nname = \"m\"\nhost = \"127.0.0.1\"\n", host)
}

const (
	reloadAdmin = "\n[admin]\npassword = \"" + md5Password + "\"\n"
	reloadUsers = "[[users]]\nname = \"u\"\ndatabase = \"db\"\npassword = \"" + md5Password + "\"\n\n" +
		"[[users]]\nname = \"u\"\ndatabase = \"m\"\npassword = \"" + md5Password + "\"\n"
)

func writeConf(t *testing.T, pgdog string) *confFiles {
	t.Helper()
	for _, kv := range os.Environ() { // the environment overrides the files
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "PGDOG_") {
			t.Setenv(k, "")
		}
	}
	dir := t.TempDir()
	f := &confFiles{t: t, pgdog: filepath.Join(dir, "pgdog.toml"), user: filepath.Join(dir, "users.toml")}
	f.write(pgdog, reloadUsers)
	return f
}

func (f *confFiles) write(pgdog, users string) {
	f.t.Helper()
	if err := os.WriteFile(f.pgdog, []byte(pgdog), 0o600); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(f.user, []byte(users), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// reloadHarness is a harness on an Engine loaded from the files.
func reloadHarness(t *testing.T, f *confFiles, log *slog.Logger) *harness {
	t.Helper()
	cfg, err := config.Load(f.pgdog, f.user)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	keepMirrorBudget(t)
	h := harnessFor(t, cfg, log)
	t.Cleanup(func() { close(h.e.stopped) }) // retired pools stop waiting
	return h
}

func TestReloadKeepsPoolsWithNewLimits(t *testing.T) {
	f := writeConf(t, general(4)+databases("127.0.0.1")+reloadAdmin)
	h := reloadHarness(t, f, nil)
	old := h.e.cfg.Load()
	s, sc := h.addServer()
	f.write(general(6, "idle_timeout = 1234", "checkout_timeout = 777")+databases("127.0.0.1")+reloadAdmin, reloadUsers)
	if err := h.e.Control().Reload(); err != nil {
		t.Fatal(err)
	}
	cfg := h.e.cfg.Load()
	if cfg == old || h.e.pools.Load().get("u", "db") != h.pool || !h.isIdle(s) || sc.isClosed() {
		t.Fatal("a pool whose limits alone changed was replaced, or lost its server")
	}
	if l := h.limits(); l.Size != 6 || l.IdleTimeout.Milliseconds() != 1234 {
		t.Fatalf("limits after reload %+v", l)
	}
	if h.pool.checkoutTimeout().Milliseconds() != 777 {
		t.Fatalf("checkout_timeout %v", h.pool.checkoutTimeout())
	}
}

func TestReloadRetiresReplacedPools(t *testing.T) {
	f := writeConf(t, general(4)+databases("127.0.0.1")+reloadAdmin)
	h := reloadHarness(t, f, nil)
	old := h.pool
	s, sc := h.addServer()
	cl, cc := h.connect()
	f.write(general(4)+databases("127.0.0.2")+reloadAdmin, reloadUsers)
	if err := h.e.Control().Reload(); err != nil {
		t.Fatal(err)
	}
	fresh := h.e.pools.Load().get("u", "db")
	if fresh == old || fresh.cfg.host != "127.0.0.2" || h.e.pools.Load().get("u", "m") == nil {
		t.Fatal("a pool whose host changed was not replaced")
	}
	// The retired pool serves its client until the client leaves.
	h.send(cc, queryMsg("select 1"))
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	if cl.pool != old || !h.isIdle(s) || sc.isClosed() {
		t.Fatal("the client of the retired pool was not served by it")
	}
	h.hangUp(cc)
	h.pumpUntil("the retired pool to close its idle server", sc.isClosed)
	old.mu.Lock()
	closed := old.closed
	old.mu.Unlock()
	if !closed {
		t.Fatal("the retired pool is not closed")
	}
}

func TestReloadRefusesBadFiles(t *testing.T) {
	cases := []struct {
		name        string
		pgdog, user string
	}{
		{"not TOML", general(4) + "[[databases]\n", reloadUsers},
		{"a user of an unknown database", general(4) + databases("127.0.0.1") + reloadAdmin,
			reloadUsers + "[[users]]\nname = \"v\"\ndatabase = \"nope\"\npassword = \"x\"\n"},
		{"TLS files that cannot be read", general(4, `tls_certificate = "/nonexistent/cert.pem"`, `tls_private_key = "/nonexistent/key.pem"`) +
			databases("127.0.0.1") + reloadAdmin, reloadUsers},
		{"an unreadable password", general(4) + databases("127.0.0.1") + reloadAdmin,
			"[[users]]\nname = \"u\"\ndatabase = \"db\"\npassword = \"SCRAM-SHA-256$broken\"\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := writeConf(t, general(4)+databases("127.0.0.1")+reloadAdmin)
			h := reloadHarness(t, f, nil)
			old, oldPools := h.e.cfg.Load(), h.e.pools.Load()
			f.write(c.pgdog, c.user)
			ce := controlError(t, h.e.Control().Reload(), codeConfigFileError)
			if !strings.Contains(ce.Msg, "reload refused, configuration unchanged") {
				t.Fatalf("message %q", ce.Msg)
			}
			if h.e.cfg.Load() != old || h.e.pools.Load() != oldPools {
				t.Fatal("a refused reload changed the configuration or the pools")
			}
		})
	}
}

func TestReloadKeepsRestartOnlySettings(t *testing.T) {
	f := writeConf(t, general(4)+databases("127.0.0.1")+reloadAdmin)
	var log recordLog
	h := reloadHarness(t, f, log.logger())
	old := h.e.cfg.Load()
	changed := strings.NewReplacer("port = 6432", "port = 7432", "workers = 1", "workers = 3").Replace(general(5, "max_message_size = 4096"))
	f.write(changed+databases("127.0.0.1")+"\n[admin]\npassword = \"another\"\n", reloadUsers)
	if err := h.e.Reload(); err != nil {
		t.Fatal(err)
	}
	g := h.e.cfg.Load().General
	if g.Port != old.General.Port || g.Workers != 1 || g.MaxMessageSize != old.General.MaxMessageSize ||
		h.e.cfg.Load().Admin != old.Admin || g.DefaultPoolSize != 5 {
		t.Fatalf("after reload: port %d, workers %d, max_message_size %d, admin %+v, pool size %d",
			g.Port, g.Workers, g.MaxMessageSize, h.e.cfg.Load().Admin, g.DefaultPoolSize)
	}
	for _, key := range []string{"port", "workers", "max_message_size", "admin"} {
		if !strings.Contains(log.buf.String(), "needs a restart; the running value is kept\" key="+key+"\n") {
			t.Errorf("no warning for %s:\n%s", key, log.buf.String())
		}
	}
	if strings.Contains(log.buf.String(), "key=host") {
		t.Errorf("a warning for a setting that did not change:\n%s", log.buf.String())
	}
}

func TestReloadAppliesMirrorSettings(t *testing.T) {
	mirroring := func(exposure float64, queue int) string {
		return fmt.Sprintf("\n[[mirroring]]\nsource_db = \"db\"\ndestination_db = \"m\"\nexposure = %g\nqueue_length = %d\n", exposure, queue)
	}
	f := writeConf(t, general(4)+databases("127.0.0.1")+mirroring(0.5, 4)+reloadAdmin)
	h := reloadHarness(t, f, nil)
	t.Cleanup(func() { close(h.e.mirrorStop) })
	f.write(general(4, "mirror_max_transaction_size = 8192")+databases("127.0.0.1")+mirroring(0.125, 9)+reloadAdmin, reloadUsers)
	if err := h.e.Reload(); err != nil {
		t.Fatal(err)
	}
	if h.e.pools.Load().get("u", "db") != h.pool {
		t.Fatal("a pool whose mirror's exposure and queue changed was replaced")
	}
	ms := h.e.Snapshot().Mirrors()
	if len(ms) != 1 || ms[0].Exposure != 0.125 || ms[0].QueueCapacity != 9 || h.pool.mirrors[0].maxTxn.Load() != 8192 {
		t.Fatalf("mirrors after reload %+v, max transaction %d", ms, h.pool.mirrors[0].maxTxn.Load())
	}
}
