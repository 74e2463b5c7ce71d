// Graceful shutdown on SIGINT: in-flight transactions finish, new clients are refused, exit 0.

package testsuite

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

func TestShutdownSIGINT(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.General.ShutdownTimeout = 5000
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	a := p.MustConnect(t, Alice)
	note := fmt.Sprintf("shutdown-%d", time.Now().UnixNano())
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "insert into events (note) values ($1)", note); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	if err := p.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// pgdogd logs this once it has begun shutting down (and refuses new clients); that it
	// does not exit with the transaction in flight is proven by the COMMIT below.
	p.waitLog(t, `msg="shutting down"`)
	if !p.Alive() {
		t.Fatalf("pgdogd exited with a transaction in flight; log:\n%s", p.Logs())
	}
	if c, err := p.Connect(testCtx(t, 10*time.Second), Alice); err == nil {
		_, qerr := queryInt(ctx, c, "select 1")
		closeQuietly(c)
		t.Errorf("new client accepted during shutdown (its query: %v)", qerr)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("commit of in-flight transaction during shutdown: %v", err)
	}
	super := shared.MustConnect(t, Super)
	if n, err := queryInt(ctx, super, "select count(*) from events where note = $1", note); err != nil || n != 1 {
		t.Errorf("committed row found %d times, %v", n, err)
	}
	code, err := p.Wait(cfgShutdownBound(cfg))
	if err != nil {
		t.Fatalf("pgdogd still running %v after SIGINT: %v", time.Since(signalled), err)
	}
	if code != 0 {
		t.Fatalf("pgdogd exit code %d after SIGINT, want 0", code)
	}
	t.Logf("pgdogd exited %v after SIGINT", time.Since(signalled))
}

// cfgShutdownBound is how long to wait for exit: shutdown_timeout plus 2 s.
func cfgShutdownBound(cfg ProxyConfig) time.Duration {
	return time.Duration(cfg.General.ShutdownTimeout)*time.Millisecond + 2*time.Second
}
