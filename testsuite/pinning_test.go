// Pinning in transaction mode: session state that cannot move (LISTEN, advisory locks, temp tables, PREPARE, WITH HOLD cursors, roles) keeps its client on its server and never reaches another client.

package testsuite

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pinCheckoutMS is the checkout_timeout of the pinning tests: a client kept from a pinned
// server gives up after it.
const pinCheckoutMS = 1000

// pinRole is the role SET ROLE switches to.
const pinRole = "pgdogd_pin_role"

// pinCase is one kind of session state: a creates it, b reads what it sees of it.
type pinCase struct {
	name    string
	login   Login
	create  string   // a's statement creating the state
	probe   string   // one text value: what a client sees of the state
	clean   string   // the probe's answer on a session without the state
	release string   // a's statement removing the state
	reason  []string // SHOW CLIENTS' pinned column names one of these while a is pinned
}

var pinCases = []pinCase{
	{"LISTEN", Alice, "LISTEN pgdogd_pin_chan", "select count(*)::text from pg_listening_channels()", "0",
		"UNLISTEN *", []string{"listen"}},
	{"pg_advisory_lock", Alice, "select pg_advisory_lock(424201)",
		"select count(*)::text from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()", "0",
		"select pg_advisory_unlock_all()", []string{"advisory"}},
	{"pg_try_advisory_lock", Alice, "select pg_try_advisory_lock(424202)",
		"select count(*)::text from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()", "0",
		"select pg_advisory_unlock_all()", []string{"advisory"}},
	{"CREATE TEMP TABLE", Alice, "CREATE TEMP TABLE pin_tmp (x int)",
		"select coalesce(to_regclass('pin_tmp')::text, '')", "", "DISCARD TEMP", []string{"temp"}},
	{"PREPARE", Alice, "PREPARE pin_stmt AS select 1",
		"select count(*)::text from pg_prepared_statements where name = 'pin_stmt'", "0",
		"DEALLOCATE ALL", []string{"prepare"}},
	{"DECLARE WITH HOLD", Alice, "DECLARE pin_cur CURSOR WITH HOLD FOR select 1",
		"select count(*)::text from pg_cursors where name = 'pin_cur'", "0", "CLOSE ALL", []string{"hold", "cursor"}},
	{"SET ROLE", Alice, "SET ROLE " + pinRole, "select current_user::text", Alice.User, "RESET ROLE", []string{"role"}},
	{"SET SESSION AUTHORIZATION", Super, "SET SESSION AUTHORIZATION " + Alice.User, "select session_user::text",
		SuperUser, "RESET SESSION AUTHORIZATION", []string{"authorization", "session"}},
}

// pinConfig is a transaction-mode proxy with pools of size (alice, bob and the superuser), a
// short checkout_timeout and the admin console of consoleLogin.
func pinConfig(size int) ProxyConfig {
	cfg := ssConfig(size, "", pinCheckoutMS)
	cfg.Users = append(cfg.Users, User{Name: SuperUser, Database: TestDatabase, Password: SuperPassword, PoolSize: size})
	cfg.Admin = Admin{User: consoleLogin.User, Password: consoleLogin.Password}
	return cfg
}

// pinProbe connects a new client b and runs the probe, all within 6 s: its answer, or
// waited=true when b was refused a server (checkout timeout, 53300) or still waits at the bound.
func pinProbe(t *testing.T, p *Proxy, l Login, probe string) (answer string, waited bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	b, err := ssConnect(ctx, p.Endpoint, l, nil)
	if err == nil {
		defer closeQuietly(b)
		answer, err = queryString(ctx, b, probe)
	}
	if err != nil && (sqlState(err) == "53300" || ctx.Err() != nil) {
		return "", true, nil
	}
	return answer, false, err
}

// pinnedColumn returns SHOW CLIENTS' pinned column for the client named app, and whether the
// column exists.
func pinnedColumn(t *testing.T, p *Proxy, app string) (string, bool) {
	t.Helper()
	console := p.MustConnect(t, consoleLogin)
	defer closeQuietly(console)
	res := mustConsole(t, console, "SHOW CLIENTS")
	row, ok := res.find("application_name", app)
	if !ok {
		t.Fatalf("SHOW CLIENTS has no client named %s: %v", app, res.rows)
	}
	v, has := row["pinned"]
	return v, has
}

// TestPinningSessionState: for each kind of session state, pool of 1: client a creates it; a
// second client must not see it (it waits and times out, or runs without it), SHOW CLIENTS
// names the reason a is pinned; once a removes the state, or disconnects, a new client gets the
// server and sees none of it.
func TestPinningSessionState(t *testing.T) {
	ssRole(t, pinRole)
	for _, c := range pinCases {
		for _, how := range []string{"released", "disconnected"} {
			t.Run(c.name+"/"+how, func(t *testing.T) {
				p := StartProxy(t, pinConfig(1))
				a := pinCreate(t, p, c)
				if how == "released" {
					ctx := testCtx(t, 10*time.Second)
					if _, err := a.Exec(ctx, c.release); err != nil {
						t.Fatalf("a: %s: %v", c.release, err)
					}
					// The state is read back after the client's ReadyForQuery: wait for it.
					var v string
					var has bool
					if !waitFor(waitLimit, func() bool { v, has = pinnedColumn(t, p, "pin_a"); return has && v == "" }) {
						t.Errorf("SHOW CLIENTS pinned for a after %s = %q (column present: %v); want empty", c.release, v, has)
					}
				} else {
					closeQuietly(a)
				}
				got, waited, err := pinProbe(t, p, c.login, c.probe)
				if err != nil || waited || got != c.clean {
					t.Errorf("new client after a %s: %q (waited %v), %v; want %q at once", how, got, waited, err, c.clean)
				}
			})
		}
	}
}

// pinCreate connects a (application_name pin_a), creates c's state, and checks that a sees it,
// that another client does not, and that SHOW CLIENTS says why a is pinned.
func pinCreate(t *testing.T, p *Proxy, c pinCase) *pgx.Conn {
	t.Helper()
	ctx := testCtx(t, 20*time.Second)
	a := ssMustConnect(t, p.Endpoint, c.login, map[string]string{"application_name": "pin_a"})
	if _, err := a.Exec(ctx, c.create); err != nil {
		t.Fatalf("a: %s: %v", c.create, err)
	}
	if own, err := queryString(ctx, a, c.probe); err != nil || own == c.clean {
		t.Fatalf("a does not see its own state after %s: %q, %v", c.create, own, err)
	}
	got, waited, err := pinProbe(t, p, c.login, c.probe)
	t.Logf("another client while a holds the state: %q, waited %v, %v", got, waited, err)
	if err != nil || (!waited && got != c.clean) {
		t.Errorf("another client while a holds %q: %q, %v; want it to wait for a server or read %q",
			c.create, got, err, c.clean)
	}
	v, has := pinnedColumn(t, p, "pin_a")
	matched := false
	for _, w := range c.reason {
		matched = matched || strings.Contains(strings.ToLower(v), w)
	}
	if !has || !matched {
		t.Errorf("SHOW CLIENTS pinned for a after %s = %q (column present: %v); want a reason naming one of %v",
			c.create, v, has, c.reason)
	}
	return a
}

// TestPinningAdvisoryLockAfterDisconnect: a client takes a session advisory lock through pgdogd
// (pool of 2) and disconnects; the lock must be gone from PostgreSQL within 5 s (today it
// stays on the idle server until idle_timeout), and another client takes it at once.
func TestPinningAdvisoryLockAfterDisconnect(t *testing.T) {
	const key = 424210
	p := StartProxy(t, pinConfig(2))
	ctx := testCtx(t, 30*time.Second)
	a := ssMustConnect(t, p.Endpoint, Alice, nil)
	if _, err := a.Exec(ctx, "select pg_advisory_lock(424210)"); err != nil {
		t.Fatal(err)
	}
	closeQuietly(a)
	super := ssMustConnect(t, shared.Endpoint, Super, nil)
	const held = "select count(*) from pg_locks where locktype = 'advisory' and objid = 424210"
	var n int64
	var err error
	if !waitFor(waitLimit, func() bool { n, err = queryInt(ctx, super, held); return err == nil && n == 0 }) {
		t.Errorf("advisory lock %d still held %v after its client disconnected: %d holders, %v", key, waitLimit, n, err)
	}
	b := ssMustConnect(t, p.Endpoint, Alice, nil)
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var got bool
	if err := b.QueryRow(lctx, "select pg_try_advisory_lock(424210)").Scan(&got); err != nil || !got {
		t.Errorf("another client's pg_try_advisory_lock(%d) = %v, %v; want true", key, got, err)
	}
	if n, err := queryInt(ctx, super, held); err != nil || n != 1 {
		t.Errorf("holders of lock %d after the other client took it: %d, %v; want 1", key, n, err)
	}
}

// TestPinningOff: with pin_session_state = false a LISTEN does not pin: another client of the
// pool of 1 gets the same server at once, and SHOW CLIENTS' pinned column stays empty.
func TestPinningOff(t *testing.T) {
	cfg := pinConfig(1)
	off := false
	cfg.General.PinSessionState = &off
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 20*time.Second)
	a := ssMustConnect(t, p.Endpoint, Alice, map[string]string{"application_name": "pin_a"})
	if _, err := a.Exec(ctx, "LISTEN pgdogd_pin_chan"); err != nil {
		t.Fatal(err)
	}
	pidA, err := queryInt(ctx, a, "select pg_backend_pid()")
	if err != nil {
		t.Fatal(err)
	}
	if v, has := pinnedColumn(t, p, "pin_a"); !has || v != "" {
		t.Errorf("SHOW CLIENTS pinned for a with pinning off = %q (column present: %v); want empty", v, has)
	}
	pid, waited, err := pinProbe(t, p, Alice, "select pg_backend_pid()::text")
	if err != nil || waited || pid != strconv.FormatInt(pidA, 10) {
		t.Errorf("another client with pinning off: backend %q (waited %v), %v; want a's server %d at once", pid, waited, err, pidA)
	}
}

// pinSample returns the largest value of the samples whose metric name holds "pin" and whose
// labels name reason (the metric's exact name is the engine's choice), and whether there is one.
func pinSample(text, reason string) (float64, bool) {
	re := regexp.MustCompile(`^([A-Za-z_:][A-Za-z0-9_:]*)\{([^}]*)\} (\S+)$`)
	best, found := 0.0, false
	for _, line := range strings.Split(text, "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil || !strings.Contains(strings.ToLower(m[1]), "pin") || !strings.Contains(strings.ToLower(m[2]), reason) {
			continue
		}
		if v, err := strconv.ParseFloat(m[3], 64); err == nil && (!found || v > best) {
			best, found = v, true
		}
	}
	return best, found
}

// TestPinningMetric: the metrics endpoint counts pins by reason: after a LISTEN and a session
// advisory lock through pgdogd, a pin metric labelled with each reason is at least 1.
func TestPinningMetric(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg := pinConfig(2)
	cfg.General.OpenmetricsPort, cfg.General.OpenmetricsHost = port, "127.0.0.1"
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 20*time.Second)
	a := ssMustConnect(t, p.Endpoint, Alice, nil)
	b := ssMustConnect(t, p.Endpoint, Alice, nil)
	if _, err := a.Exec(ctx, "LISTEN pgdogd_pin_metric"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, "select pg_advisory_lock(424220)"); err != nil {
		t.Fatal(err)
	}
	// pgdogd asks the server what pins its client when the transaction has
	// ended, after the client has its answer: the count follows shortly.
	for _, reason := range []string{"listen", "advisory"} {
		var v float64
		var ok bool
		if !waitFor(waitLimit, func() bool {
			v, ok = pinSample(scrape(t, cfg, "/metrics"), reason)
			return ok && v >= 1
		}) {
			t.Errorf("no pin metric labelled %q of at least 1 (found %v, value %v)", reason, ok, v)
		}
	}
}
