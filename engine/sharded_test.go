// sharded_test.go tests what the engine does with PgDog configurations it cannot fully serve: sharded databases and users without a password.

package engine

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
)

// pgdogConfig has a plain database "db" (pool u@db, and nopw@db whose user
// has no password) and a sharded database "big" with a user of its own.
func pgdogConfig(auth config.AuthType) *config.Config {
	return &config.Config{
		General: config.General{Workers: 1, DefaultPoolSize: 2, PoolerMode: config.ModeTransaction, AuthType: auth,
			PreparedStatements: "extended", ConnectTimeout: time.Second, CheckoutTimeout: time.Second},
		Databases: []config.Database{
			{Name: "db", Host: "127.0.0.1", Port: 5432},
			{Name: "big", Host: "127.0.0.1", Port: 5433},
			{Name: "big", Host: "127.0.0.1", Port: 5434, Shard: 1},
		},
		Users: []config.User{
			{Name: "u", Database: "db", Password: md5Password},
			{Name: "nopw", Database: "db"},
			{Name: "u", Database: "big", Password: md5Password},
		},
		Admin: config.Admin{Name: "admin", User: "admin", Password: md5Password},
	}
}

// TestShardedDatabaseRefused: a sharded database has no pool, its clients
// get FATAL 0A000 naming it, and the other databases are served.
func TestShardedDatabaseRefused(t *testing.T) {
	h := harnessFor(t, pgdogConfig(config.AuthTrust), nil)
	if p := h.e.pools.Load().get("u", "big"); p != nil {
		t.Fatal("a sharded database got a pool")
	}
	cc := h.newConn()
	h.e.OnOpen(cc)
	h.send(cc, startupOf("u", "big"))
	got := cc.take()
	if code := fatalCode(t, got); code != codec.CodeFeatureNotSupported || !cc.isClosed() ||
		!bytes.Contains(got, []byte(`database "big" is sharded; pgdogd does not shard`)) {
		t.Fatalf("got %q (closed %v), want FATAL 0A000 naming the database", got, cc.isClosed())
	}
	h.addServer()
	if cl, _ := h.connect(); cl.pool == nil || cl.pool.cfg.database != "db" {
		t.Fatal("the plain database is not served")
	}
}

// TestUserWithoutPassword: a user without a password does not stop the
// start; under trust its clients log in, under md5 they are refused.
func TestUserWithoutPassword(t *testing.T) {
	h := harnessFor(t, pgdogConfig(config.AuthTrust), nil)
	h.addServer()
	cc := h.newConn()
	h.e.OnOpen(cc)
	h.send(cc, startupOf("nopw", "db"))
	if got := cc.take(); fatalCode(t, got) != "" || cc.isClosed() {
		t.Fatalf("under trust the user is refused: %q", got)
	}

	h = harnessFor(t, pgdogConfig(config.AuthMD5), nil)
	cc = h.newConn()
	h.e.OnOpen(cc)
	h.send(cc, startupOf("nopw", "db"))
	ask := cc.take()
	h.send(cc, md5Reply(t, ask))
	if got := cc.take(); fatalCode(t, got) != codec.CodeInvalidPassword || !strings.Contains(string(got), "nopw") {
		t.Fatalf("under md5 the user without a password got %q, want FATAL 28P01", got)
	}
}
