// Admin console against a running pool: every SHOW, SET, RELOAD, PAUSE/RESUME, RECONNECT, SHUTDOWN and the console's errors.

package testsuite

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestAdminShowCommands(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 90*time.Second)
	admin := p.MustConnect(t, consoleLogin)

	// Traffic first: pgbench's transactions must show in SHOW STATS exactly.
	before, _ := mustConsole(t, admin, "SHOW STATS").find("user", Alice.User)
	script := writeScript(t, "SELECT v FROM kv WHERE id = 1;")
	res, out, err := p.Pgbench(ctx, Alice, "-n", "-f", script, "-c", "4", "-t", "50")
	if err != nil {
		t.Fatalf("pgbench: %v\n%s", err, out)
	}
	stats := mustConsole(t, admin, "SHOW STATS")
	stats.wantPgDog(t, "SHOW STATS")
	after, ok := stats.find("user", Alice.User, "database", TestDatabase)
	if !ok {
		t.Fatalf("no SHOW STATS row for alice: %v", stats.rows)
	}
	if d := num(t, after, "total_xact_count") - num(t, before, "total_xact_count"); d != res.Processed {
		t.Errorf("total_xact_count grew by %d, pgbench ran %d", d, res.Processed)
	}
	if d := num(t, after, "total_query_count") - num(t, before, "total_query_count"); d != res.Processed {
		t.Errorf("total_query_count grew by %d, pgbench ran %d", d, res.Processed)
	}
	for _, col := range []string{"total_received", "total_sent", "total_xact_time", "total_query_time", "avg_xact_count", "avg_sent", "avg_xact_time"} {
		if fnum(t, after, col) <= fnum(t, before, col) {
			t.Errorf("%s did not grow: %s -> %s", col, before[col], after[col])
		}
	}

	// A client inside a transaction: one active server, idle in transaction.
	a := p.MustConnect(t, Alice)
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	pid, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	pools := mustConsole(t, admin, "SHOW POOLS")
	pools.wantPgDog(t, "SHOW POOLS", "cl_active", "ban_reason", "reads", "bans", "health_checks", "health_check_failures")
	row, ok := pools.find("user", Alice.User, "database", TestDatabase)
	if !ok {
		t.Fatalf("no SHOW POOLS row for alice: %v", pools.rows)
	}
	if num(t, row, "cl_active") != 1 || num(t, row, "sv_active") != 1 || num(t, row, "sv_idle_xact") != 1 ||
		num(t, row, "cl_waiting") != 0 || row["pool_mode"] != "transaction" || row["paused"] != "f" ||
		row["role"] != "primary" || row["shard"] != "0" || row["healthy"] != "t" || row["online"] != "t" {
		t.Errorf("SHOW POOLS alice = %v", row)
	}
	// sv_total also counts servers still being dialed or moved between loops: it
	// settles at active + idle once they have arrived.
	if !waitFor(waitLimit, func() bool {
		row, _ = mustConsole(t, admin, "SHOW POOLS").find("user", Alice.User, "database", TestDatabase)
		return num(t, row, "sv_total") >= 1 && num(t, row, "sv_total") == num(t, row, "sv_active")+num(t, row, "sv_idle")
	}) {
		t.Errorf("SHOW POOLS alice sv_total does not settle at active + idle within %v: %v", waitLimit, row)
	}

	clients := mustConsole(t, admin, "SHOW CLIENTS")
	clients.wantPgDog(t, "SHOW CLIENTS", "local_addr", "local_port", "wait", "wait_us", "link", "loop", "pinned", "tls")
	spid := strconv.FormatInt(pid, 10)
	if c, ok := clients.find("user", Alice.User, "link", spid); !ok || c["state"] != "active" || c["addr"] != "127.0.0.1" {
		t.Errorf("SHOW CLIENTS has no active alice linked to backend %s: %v", spid, clients.rows)
	}
	if _, ok := clients.find("user", consoleLogin.User, "state", "admin"); !ok {
		t.Errorf("SHOW CLIENTS does not list the console session: %v", clients.rows)
	}

	servers := mustConsole(t, admin, "SHOW SERVERS")
	servers.wantPgDog(t, "SHOW SERVERS", "local_addr", "local_port", "tx_status", "link", "loop")
	if s, ok := servers.find("remote_pid", spid); !ok || s["state"] != "active" || s["tx_status"] != "T" || s["link"] == "" {
		t.Errorf("SHOW SERVERS has no active server with backend pid %s in a transaction: %v", spid, servers.rows)
	}
	// The listed backend pids are real PostgreSQL sessions of their users.
	super := shared.MustConnect(t, Super)
	for _, s := range servers.rows {
		n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where pid = $1 and usename = $2", num(t, s, "remote_pid"), s["user"])
		if err != nil || n != 1 {
			t.Errorf("server %v not found in pg_stat_activity: %d, %v", s, n, err)
		}
	}

	cfgRows := mustConsole(t, admin, "SHOW CONFIG")
	cfgRows.wantPgDog(t, "SHOW CONFIG", "default", "changeable")
	if r, ok := cfgRows.find("name", "checkout_timeout"); !ok || r["value"] != "5s" || r["changeable"] != "yes" {
		t.Errorf("SHOW CONFIG checkout_timeout = %v", r)
	}
	lists := mustConsole(t, admin, "SHOW LISTS")
	lists.wantCols(t, "SHOW LISTS", "list", "items")
	if r, ok := lists.find("list", "pools"); !ok || r["items"] != "2" {
		t.Errorf("SHOW LISTS pools = %v", lists.rows)
	}
	if r, ok := lists.find("list", "used_servers"); !ok || num(t, r, "items") < 1 {
		t.Errorf("SHOW LISTS used_servers = %v", lists.rows)
	}
	if v := mustConsole(t, admin, "SHOW VERSION"); len(v.rows) != 1 || !strings.HasPrefix(v.rows[0]["version"], "pgdogd ") {
		t.Errorf("SHOW VERSION = %v", v.rows)
	}
	mustConsole(t, admin, "SHOW MIRRORS").wantPgDog(t, "SHOW MIRRORS", "destination", "dropped_exposure", "dropped_queue_full",
		"dropped_too_large", "dropped_mirror_unavailable", "dropped_source_failed", "dropped_level", "dropped_memory",
		"exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms")
	mustConsole(t, admin, "SHOW PREPARED").wantPgDog(t, "SHOW PREPARED")
	// Several commands in one query answer in order.
	if _, err := consoleQuery(admin, "SHOW VERSION; SHOW LISTS"); err != nil {
		t.Errorf("two commands in one query: %v", err)
	}
}

func TestAdminErrors(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	admin := p.MustConnect(t, consoleLogin)
	for _, tc := range []struct{ sql, code, mention string }{
		{"SHOW NONSENSE", "42601", "SHOW NONSENSE"},
		{"FROBNICATE", "42601", "FROBNICATE"},
		{"SHOW POOLS now", "42601", "SHOW POOLS"},
		{"SET no_such_key TO 1", "42704", "no_such_key"},
		{"SET checkout_timeout TO 'soon'", "22023", "checkout_timeout"},
		{"SET default_pool_size = 0", "22023", "default_pool_size"},
		{"PAUSE no_such_db", "3D000", "no_such_db"},
	} {
		_, err := consoleQuery(admin, tc.sql)
		if err == nil || sqlState(err) != tc.code || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: error %v (SQLSTATE %q), want %s naming %q", tc.sql, err, sqlState(err), tc.code, tc.mention)
		}
	}
	// The extended protocol is refused with an error, and the session goes on.
	ctx := testCtx(t, 10*time.Second)
	if _, err := admin.PgConn().Prepare(ctx, "", "SHOW POOLS", nil); err == nil || sqlState(err) != "0A000" {
		t.Errorf("extended protocol: %v, want 0A000", err)
	}
	if _, err := consoleQuery(admin, "SHOW VERSION"); err != nil {
		t.Errorf("session unusable after errors: %v", err)
	}
}

func TestAdminWrongPassword(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 10*time.Second)
	_, err := p.Connect(ctx, consoleLogin.WithPassword("wrong"))
	if sqlState(err) != "28P01" {
		t.Fatalf("wrong admin password: %v, want 28P01", err)
	}
	// A pooled user's right password does not open the console either.
	_, err = p.Connect(ctx, Alice.WithDatabase("admin"))
	if sqlState(err) != "28P01" {
		t.Fatalf("alice on the console: %v, want 28P01", err)
	}
}

// TestAdminSetCheckoutTimeout: a shorter checkout_timeout makes a blocked checkout fail sooner.
func TestAdminSetCheckoutTimeout(t *testing.T) {
	cfg := consoleConfig(shared)
	cfg.General.DefaultPoolSize = 1
	cfg.General.CheckoutTimeout = 20000
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	holder := p.MustConnect(t, Alice)
	tx, err := holder.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := queryInt(ctx, holder, "select 1"); err != nil {
		t.Fatal(err)
	}
	mustConsole(t, admin, "SET checkout_timeout TO '300'")
	if r, _ := mustConsole(t, admin, "SHOW CONFIG").find("name", "checkout_timeout"); r["value"] != "300ms" {
		t.Fatalf("SHOW CONFIG checkout_timeout after SET = %v", r)
	}
	waiter := p.MustConnect(t, Alice)
	start := time.Now()
	_, err = queryInt(ctx, waiter, "select 2")
	took := time.Since(start)
	if sqlState(err) != "53300" {
		t.Fatalf("blocked checkout: %v, want 53300", err)
	}
	if took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("blocked checkout failed after %v, want about 300 ms (configured 20 s before SET)", took)
	}
}

// TestAdminSetDefaultPoolSize: default_pool_size caps the server connections PostgreSQL sees.
func TestAdminSetDefaultPoolSize(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 90*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	super := shared.MustConnect(t, Super)
	peak := func() int64 {
		script := writeScript(t, "SELECT pg_sleep(0.05);")
		done := make(chan error, 1)
		go func() {
			_, out, err := p.Pgbench(ctx, Bob, "-n", "-f", script, "-c", "8", "-t", "8")
			if err != nil {
				err = &pgbenchErr{err, out}
			}
			done <- err
		}()
		var most int64
		for {
			n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = 'bob'")
			if err == nil && n > most {
				most = n
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
				return most
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	mustConsole(t, admin, "SET default_pool_size TO 2")
	mustConsole(t, admin, "RECONNECT")
	if most := peak(); most > 2 || most < 1 {
		t.Errorf("with default_pool_size 2, bob had up to %d server connections", most)
	}
	mustConsole(t, admin, "SET default_pool_size TO 6")
	if most := peak(); most < 4 || most > 6 {
		t.Errorf("with default_pool_size 6 and 8 clients, bob had up to %d server connections", most)
	}
}

type pgbenchErr struct {
	err error
	out string
}

func (e *pgbenchErr) Error() string { return e.err.Error() + "\n" + e.out }

// TestAdminReload: a broken file changes nothing and reports every error; a
// good one applies, keeping the servers of unchanged pools; SIGHUP does the same.
func TestAdminReload(t *testing.T) {
	cfg := consoleConfig(shared)
	cfg.General.DefaultPoolSize = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	a := p.MustConnect(t, Alice)
	pid1, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}

	good, err := os.ReadFile(filepath.Join(p.Dir, "pgdog.toml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(good), "auth_type = \"scram\"", "auth_type = \"nope\"\npooler_mod = \"x\"", 1)
	if err := os.WriteFile(filepath.Join(p.Dir, "pgdog.toml"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = consoleQuery(admin, "RELOAD")
	if err == nil || !strings.Contains(err.Error(), "pooler_mod") || !strings.Contains(err.Error(), "auth_type") {
		t.Fatalf("RELOAD of a broken file: %v, want both errors named", err)
	}
	if r, _ := mustConsole(t, admin, "SHOW CONFIG").find("name", "checkout_timeout"); r["value"] != "5s" {
		t.Errorf("configuration changed by a refused reload: %v", r)
	}

	cfg.General.CheckoutTimeout = 1234
	cfg.Users[1].PoolerMode = "session" // bob's pool is replaced, alice's kept
	rewriteFiles(t, p, cfg)
	mustConsole(t, admin, "RELOAD")
	if r, _ := mustConsole(t, admin, "SHOW CONFIG").find("name", "checkout_timeout"); r["value"] != "1234ms" {
		t.Errorf("checkout_timeout after RELOAD = %v", r)
	}
	if r, _ := mustConsole(t, admin, "SHOW POOLS").find("user", Bob.User); r["pool_mode"] != "session" {
		t.Errorf("bob's pool after RELOAD = %v", r)
	}
	if pid2, err := queryInt(ctx, a, "select pg_backend_pid()"); err != nil || pid2 != pid1 {
		t.Errorf("alice's server after RELOAD: pid %d, %v; want the kept %d", pid2, err, pid1)
	}
	b := p.MustConnect(t, Bob)
	if _, err := queryInt(ctx, b, "select 1"); err != nil {
		t.Errorf("bob on the rebuilt pool: %v", err)
	}

	cfg.General.CheckoutTimeout = 4321
	rewriteFiles(t, p, cfg)
	if err := p.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !waitFor(waitLimit, func() bool {
		r, _ := mustConsole(t, admin, "SHOW CONFIG").find("name", "checkout_timeout")
		return r["value"] == "4321ms"
	}) {
		t.Errorf("SIGHUP did not reload checkout_timeout within %v", waitLimit)
	}
}

// TestAdminPauseResume: PAUSE waits for the transaction in flight, holds new
// ones, and RESUME lets them run.
func TestAdminPauseResume(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	a := p.MustConnect(t, Alice)
	b := p.MustConnect(t, Alice)
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := queryInt(ctx, a, "select 1"); err != nil {
		t.Fatal(err)
	}
	watch := p.MustConnect(t, consoleLogin) // a second console: the first one waits in PAUSE
	alicePool := func() map[string]string {
		r, _ := mustConsole(t, watch, "SHOW POOLS").find("user", Alice.User, "database", TestDatabase)
		return r
	}
	paused := make(chan error, 1)
	go func() { _, err := consoleQuery(admin, "PAUSE "+TestDatabase); paused <- err }()
	// Once the pool shows paused, PAUSE has been taken in; it answers when the transactions
	// in flight are over, so it must still be waiting after a query of that transaction.
	waitUntil(t, waitLimit, "SHOW POOLS to show alice's pool paused", func() bool { return alicePool()["paused"] == "t" })
	if _, err := tx.Exec(ctx, "select 2"); err != nil {
		t.Fatalf("query of the transaction in flight while pausing: %v", err)
	}
	select {
	case err := <-paused:
		t.Fatalf("PAUSE returned with a transaction in flight: %v", err)
	default:
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit while pausing: %v", err)
	}
	select {
	case err := <-paused:
		if err != nil {
			t.Fatalf("PAUSE: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("PAUSE did not return within %v after the transaction ended", waitLimit)
	}
	ran := make(chan error, 1)
	go func() { _, err := queryInt(ctx, b, "select 42"); ran <- err }()
	// cl_waiting 1: the query has reached pgdogd and is held; had it been let through, it
	// would have run instead.
	var r map[string]string
	if !waitFor(waitLimit, func() bool { r = alicePool(); return r["paused"] == "t" && num(t, r, "cl_waiting") == 1 }) {
		t.Errorf("SHOW POOLS during PAUSE = %v, want paused with one client waiting", r)
	}
	select {
	case err := <-ran:
		t.Fatalf("query ran during PAUSE: %v", err)
	default:
	}
	mustConsole(t, admin, "RESUME "+TestDatabase)
	select {
	case err := <-ran:
		if err != nil {
			t.Fatalf("query after RESUME: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatalf("query still blocked %v after RESUME", waitLimit)
	}
}

// TestAdminReconnect: RECONNECT replaces the idle servers.
func TestAdminReconnect(t *testing.T) {
	cfg := consoleConfig(shared)
	cfg.General.DefaultPoolSize = 1
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	a := p.MustConnect(t, Alice)
	pid1, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	mustConsole(t, admin, "RECONNECT "+TestDatabase)
	pid2, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil || pid2 == pid1 {
		t.Errorf("after RECONNECT: pid %d, %v; want a new server (old %d)", pid2, err, pid1)
	}
}

// TestAdminShutdown: SHUTDOWN is the graceful path: the process exits 0.
func TestAdminShutdown(t *testing.T) {
	cfg := consoleConfig(shared)
	cfg.General.ShutdownTimeout = 2000
	p := StartProxy(t, cfg)
	admin := p.MustConnect(t, consoleLogin)
	if _, err := consoleQuery(admin, "SHUTDOWN"); err != nil && sqlState(err) != "57P01" && !strings.Contains(err.Error(), "EOF") {
		t.Fatalf("SHUTDOWN: %v", err)
	}
	code, err := p.Wait(cfgShutdownBound(cfg))
	if err != nil || code != 0 {
		t.Fatalf("after SHUTDOWN: exit %d, %v", code, err)
	}
}
