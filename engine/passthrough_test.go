// passthrough_test.go tests a client's login under passthrough authentication and with a user's session defaults, on fake connections.

package engine

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
)

// passthroughHarness is a harness whose database has no server listening
// (port 1) and whose user u has no password, under passthrough_auth mode.
func passthroughHarness(t *testing.T, mode string) *harness {
	cfg := &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: 2, PoolerMode: config.ModeTransaction, AuthType: "scram",
			PassthroughAuth: mode, PreparedStatements: "extended", ConnectTimeout: time.Second, CheckoutTimeout: time.Second},
		Databases: []config.Database{{Name: "db", Host: "127.0.0.1", Port: 1}},
		Users:     []config.User{{Name: "u", Database: "db"}},
		Admin:     config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
	return harnessFor(t, cfg, nil)
}

// cleartextLogin starts a login as user and answers the cleartext request with pw.
func cleartextLogin(h *harness, user, pw string) (*client, *fakeConn) {
	h.t.Helper()
	c := h.newConn()
	h.e.OnOpen(c)
	h.send(c, startupOf(user, "db"))
	if ask := c.take(); !bytes.Equal(ask, []byte{'R', 0, 0, 0, 8, 0, 0, 0, 3}) {
		h.t.Fatalf("want AuthenticationCleartextPassword, got %q", ask)
	}
	h.send(c, frame('p', cs(pw)))
	return c.ctx.(*client), c
}

// wantFatal wants c to have been sent a FATAL with code, and closed.
func wantFatal(t *testing.T, c *fakeConn, code string) {
	t.Helper()
	if got := c.take(); !bytes.Contains(got, []byte("C"+code+"\x00")) || !c.isClosed() {
		t.Fatalf("want FATAL %s and a closed connection, got %q (closed %v)", code, got, c.isClosed())
	}
}

// TestPassthroughRemembered: a password PostgreSQL took before logs the
// next client in without asking PostgreSQL; another is refused at once
// (no task: PostgreSQL was not asked), unless changes are allowed.
func TestPassthroughRemembered(t *testing.T) {
	h := passthroughHarness(t, "enabled_plain")
	h.e.pass.remember(poolKey{"u", "db"}, "pw")
	h.addServer()
	cl, c := cleartextLogin(h, "u", "pw")
	if cl.state != clParams && cl.state != clIdle {
		t.Fatalf("remembered password: client in state %s, sent %q", cl.state, c.take())
	}
	_, c = cleartextLogin(h, "u", "other")
	wantFatal(t, c, codec.CodeInvalidPassword)
	if n := len(h.loop.tasks); n != 0 {
		t.Fatalf("%d tasks queued: PostgreSQL was asked", n)
	}
}

// TestPassthroughAsksPostgreSQL: an unknown password is checked by a
// login to the server; a server out of reach is the client's connection
// failure, not a wrong password, and nothing is remembered.
func TestPassthroughAsksPostgreSQL(t *testing.T) {
	h := passthroughHarness(t, "enabled_plain_allow_change")
	h.e.pass.remember(poolKey{"u", "db"}, "pw")
	cl, c := cleartextLogin(h, "u", "new")
	if cl.state != clAuth || len(c.take()) != 0 {
		t.Fatalf("waiting for PostgreSQL: state %s", cl.state)
	}
	h.send(c, []byte("early")) // the client's bytes wait; nothing is read yet
	h.awaitTask()
	wantFatal(t, c, codec.CodeConnectionFailure)
	if pw, _ := h.e.pass.password(poolKey{"u", "db"}); pw != "pw" {
		t.Fatalf("remembered %q after a failed check, want the old one", pw)
	}
	_, c = cleartextLogin(h, "nobody", "x") // a user users.toml does not list is asked about too
	h.awaitTask()
	wantFatal(t, c, codec.CodeConnectionFailure)
	if h.e.pools.Load().get("nobody", "db") != nil {
		t.Fatal("a pool was added for a login PostgreSQL did not take")
	}
}

// TestSessionDefaultsReachTheServer: the user's defaults are the client's
// startup settings: they go to the server with the login's settings query,
// and are the ones restored after the client resets them.
func TestSessionDefaultsReachTheServer(t *testing.T) {
	cfg := &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: 2, PoolerMode: config.ModeTransaction, AuthType: "trust",
			PreparedStatements: "extended", ConnectTimeout: time.Second, CheckoutTimeout: time.Second},
		Databases: []config.Database{{Name: "db", Host: "127.0.0.1", Port: 1}},
		Users: []config.User{{Name: "u", Database: "db", Password: md5Password,
			StatementTimeout: 1500 * time.Millisecond, HasStatementTimeout: true, ReadOnly: true, HasReadOnly: true}},
		Admin: config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
	h := harnessFor(t, cfg, nil)
	_, sc := h.addServer()
	c := h.newConn()
	h.e.OnOpen(c)
	h.send(c, codec.AppendStartupMessage(nil, 3, 0, codec.Param{Name: "user", Value: "u"},
		codec.Param{Name: "database", Value: "db"}, codec.Param{Name: "statement_timeout", Value: "9s"}))
	cl := c.ctx.(*client)
	sent := string(sc.take())
	if !strings.Contains(sent, "'default_transaction_read_only', E'on'") || !strings.Contains(sent, "'statement_timeout', E'9s'") ||
		strings.Contains(sent, "1500") {
		t.Fatalf("settings sent to the server: %q; want the user's read_only and the client's own statement_timeout", sent)
	}
	if v, _ := cl.chosen.Get("default_transaction_read_only"); v != "on" {
		t.Fatalf("startup settings restored after RESET: %v", cl.chosen)
	}
}
