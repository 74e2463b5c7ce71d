// Tests of the harness itself, run against PostgreSQL directly (no proxy involved).

package testsuite

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestParsePgbench(t *testing.T) {
	ok := `transaction type: <builtin: select only>
number of clients: 16
number of transactions actually processed: 81234
number of failed transactions: 0 (0.000%)
latency average = 0.98 ms
tps = 16245.123456 (without initial connection time)
`
	r, err := ParsePgbench(ok)
	if err != nil || r.Processed != 81234 || r.Failed != 0 || r.TPS < 16245 || r.TPS > 16246 {
		t.Fatalf("ParsePgbench(ok) = %+v, %v", r, err)
	}
	failed := strings.Replace(ok, "failed transactions: 0 (0.000%)", "failed transactions: 7 (0.010%)", 1)
	if r, err := ParsePgbench(failed); err == nil || r.Failed != 7 {
		t.Fatalf("failed transactions not reported: %+v, %v", r, err)
	}
	aborted := "pgbench: error: client 3 aborted in command 1 (SQL) of script 0\n" + ok +
		"pgbench: error: Run was aborted; the above results are incomplete.\n"
	if _, err := ParsePgbench(aborted); !errors.Is(err, ErrPgbenchAborted) {
		t.Fatalf("aborted run not reported: %v", err)
	}
	if _, err := ParsePgbench("pgbench: error: connection to server failed"); err == nil {
		t.Fatal("output without a summary parsed as success")
	}
}

// TestClusterDirect proves the cluster's roles and auth methods against PostgreSQL itself.
func TestClusterDirect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	super := shared.MustConnect(t, Super)
	var aliceHash, bobHash string
	err := super.QueryRow(ctx, "select (select rolpassword from pg_authid where rolname='alice'),"+
		" (select rolpassword from pg_authid where rolname='bob')").Scan(&aliceHash, &bobHash)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(aliceHash, "SCRAM-SHA-256$4096:") {
		t.Errorf("alice's password is not a SCRAM verifier: %q", aliceHash)
	}
	if bobHash != MD5Hash(Bob.User, Bob.Password) {
		t.Errorf("bob's password = %q, want %q", bobHash, MD5Hash(Bob.User, Bob.Password))
	}
	for _, tc := range []struct {
		login Login
		auth  string
	}{{Alice, "sasl"}, {Bob, "md5"}} {
		r, err := RawDial(shared.Addr())
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Startup(tc.login, nil); err != nil {
			t.Errorf("raw %s login as %s: %v", tc.auth, tc.login.User, err)
		} else if rows, err := r.SimpleQuery("select current_user", 5*time.Second); err != nil ||
			len(rows) != 1 || rows[0][0] != tc.login.User {
			t.Errorf("current_user as %s = %v, %v", tc.login.User, rows, err)
		}
		r.Close()
	}
	_, err = shared.Connect(ctx, Alice.WithPassword("wrong"))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("wrong password directly: %v, want 28P01", err)
	}
	out, err := shared.Psql(ctx, Bob, "-tAc", "select count(*) from kv")
	if err != nil || strings.TrimSpace(out) != "100" {
		t.Errorf("psql as bob: %q, %v", out, err)
	}
	var maxConn int
	if err := super.QueryRow(ctx, "select current_setting('max_connections')::int").Scan(&maxConn); err != nil || maxConn != 600 {
		t.Errorf("max_connections = %d, %v", maxConn, err)
	}
}
