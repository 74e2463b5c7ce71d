// Backpressure: a client that reads a large result slowly does not make pgdogd buffer it, and others are unaffected.

package testsuite

import (
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestSlowClientBackpressure(t *testing.T) {
	cfg := withMetrics(t, DefaultConfig(shared))
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)

	slow, err := RawDial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.Conn.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if err := slow.Startup(Alice, nil); err != nil {
		t.Fatal(err)
	}
	before, err := rssKB(p.PID())
	if err != nil {
		t.Fatal(err)
	}
	const rows, rowSize = 120, 1 << 20
	const query = "select repeat('x', 1048576) from generate_series(1, 120)"
	slow.FE.Send(&pgproto3.Query{String: query})
	if err := slow.FE.Flush(); err != nil {
		t.Fatal(err)
	}

	// The client reads nothing: 120 MiB wait to be sent. pgdogd stops reading the server
	// (server_read_paused), and PostgreSQL then blocks writing the rest (wait_event
	// ClientWrite); from then on, had pgdogd buffered the result, it would have read it all.
	p.waitEvents(t, "server_read_paused", 1)
	writing := func() bool {
		n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where query = $1"+
			" and state = 'active' and wait_event = 'ClientWrite'", query)
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	waitUntil(t, waitLimit, "PostgreSQL to block sending the result (wait_event ClientWrite)", writing)
	other := p.MustConnect(t, Alice)
	var peak int64
	for i := 0; i < 20; i++ {
		var n int
		if err := other.QueryRow(ctx, "select $1::int + 1", i).Scan(&n); err != nil || n != i+1 {
			t.Fatalf("another client's query while one is slow: %d, %v", n, err)
		}
		rss, err := rssKB(p.PID())
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, rss)
	}
	// Still blocked after the other client's queries: the rest of the result is held back
	// in PostgreSQL, not read into pgdogd.
	if !writing() {
		t.Errorf("PostgreSQL no longer blocks sending the result while the client reads nothing")
	}
	t.Logf("pgdogd RSS %d kB before the query, peak %d kB while the client did not read", before, peak)
	if peak-before > 48<<10 {
		t.Errorf("pgdogd grew by %d kB while a client held back a %d MiB result; want it bounded (< 48 MiB)", peak-before, rows*rowSize>>20)
	}

	// Then it reads everything: the result is whole.
	got := 0
	for {
		msg, err := slow.Receive(30 * time.Second)
		if err != nil {
			t.Fatalf("after %d rows: %v", got, err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			if len(m.Values) != 1 || len(m.Values[0]) != rowSize {
				t.Fatalf("row %d has %d bytes", got, len(m.Values[0]))
			}
			got++
		case *pgproto3.ErrorResponse:
			t.Fatalf("error after %d rows: %s", got, m.Message)
		case *pgproto3.ReadyForQuery:
			if got != rows {
				t.Fatalf("got %d rows, want %d", got, rows)
			}
			rows2, err := slow.SimpleQuery("select 42", 5*time.Second)
			if err != nil || len(rows2) != 1 || rows2[0][0] != "42" {
				t.Fatalf("the slow client's next query: %v, %v", rows2, err)
			}
			return
		}
	}
}

// TestSlowClientLeavesWhilePaused: a client that leaves while its server is
// paused does not leak that server: with a pool of one, the next client gets
// a server at once.
func TestSlowClientLeavesWhilePaused(t *testing.T) {
	cfg := withMetrics(t, DefaultConfig(shared))
	cfg.Users[0].PoolSize = 1
	cfg.General.CheckoutTimeout = 5000
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 30*time.Second)

	slow, err := RawDial(p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if err := slow.Conn.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if err := slow.Startup(Alice, nil); err != nil {
		t.Fatal(err)
	}
	slow.FE.Send(&pgproto3.Query{String: "select repeat('x', 1048576) from generate_series(1, 60)"})
	if err := slow.FE.Flush(); err != nil {
		t.Fatal(err)
	}
	p.waitEvents(t, "server_read_paused", 1) // the server is paused now
	_ = slow.Close()

	start := time.Now()
	other := p.MustConnect(t, Alice)
	var n int
	if err := other.QueryRow(ctx, "select 7").Scan(&n); err != nil || n != 7 {
		t.Fatalf("next client after a paused client left: %d, %v", n, err)
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("next client waited %v for the only server", waited)
	}
}
