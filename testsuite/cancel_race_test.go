// A CancelRequest only ever cancels its sender's query: clients cancelling their own short queries never hit other clients sharing the pool.

package testsuite

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestCancelRaceOnlyOwnQuery: two clients send a ~2 ms query and at once a CancelRequest
// for it, 300 times each, while four clients run ~3 ms queries they never cancel, all over a
// pool of 3. No query of the four may fail. Then each cancelling client cancels a
// pg_sleep(30) of its own, which must end with 57014 within cancelLimit (cancels are forwarded).
func TestCancelRaceOnlyOwnQuery(t *testing.T) {
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = 3
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 60*time.Second)
	super := shared.MustConnect(t, Super)
	endSleepers(t, super)

	const cancellers, innocents, rounds = 2, 4, 300
	raws := make([]*RawConn, cancellers)
	for i := range raws {
		r, err := rawStartup(t, p.Addr(), Alice)
		if err != nil {
			t.Fatalf("canceller %d: startup: %v", i, err)
		}
		raws[i] = r
	}
	conns := make([]*pgx.Conn, innocents)
	for i := range conns {
		conns[i] = p.MustConnect(t, Alice)
	}
	type tally struct {
		ok, cancelled int
		failures      []string
	}
	cancelTally := make([]tally, cancellers)
	innocentTally := make([]tally, innocents)
	var wg sync.WaitGroup
	for i, r := range raws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &cancelTally[i]
			for n := 0; n < rounds && ctx.Err() == nil; n++ {
				code, err := queryAndCancel(r, p.Addr(), "select pg_sleep(0.002)", 10*time.Second)
				switch {
				case err != nil:
					tl.failures = append(tl.failures, fmt.Sprintf("round %d: %v", n, err))
					return
				case code == "":
					tl.ok++
				case code == "57014":
					tl.cancelled++
				default:
					tl.failures = append(tl.failures, fmt.Sprintf("round %d: SQLSTATE %s", n, code))
				}
			}
		}()
	}
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tl := &innocentTally[i]
			for n := 0; n < rounds && ctx.Err() == nil; n++ {
				if _, err := conn.Exec(ctx, "select pg_sleep(0.003)"); err != nil {
					tl.failures = append(tl.failures, fmt.Sprintf("round %d: %v", n, err))
					if conn.PgConn().IsClosed() {
						return
					}
					continue
				}
				tl.ok++
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the query loops did not finish within the test's 60 s")
	}

	var hit, done int
	for i, tl := range innocentTally {
		hit += len(tl.failures)
		done += tl.ok + len(tl.failures)
		for j, f := range tl.failures {
			if j == 3 {
				t.Errorf("non-cancelling client %d: … %d failures in all", i, len(tl.failures))
				break
			}
			t.Errorf("non-cancelling client %d, a query it never cancelled failed: %s", i, f)
		}
	}
	if hit > 0 {
		t.Errorf("%d of %d queries of the non-cancelling clients failed (%.1f %%): another client's CancelRequest reached them",
			hit, done, 100*float64(hit)/float64(done))
	}
	for i, tl := range cancelTally {
		t.Logf("cancelling client %d: %d queries cancelled, %d completed", i, tl.cancelled, tl.ok)
		for _, f := range tl.failures {
			t.Errorf("cancelling client %d: %s", i, f)
		}
	}

	// Cancels are not simply dropped: a long query of each cancelling client ends with 57014.
	for i, r := range raws {
		long := fmt.Sprintf("%s /* cancel race %d */", cancelQuery, i)
		r.FE.Send(&pgproto3.Query{String: long})
		if err := r.FE.Flush(); err != nil {
			t.Fatalf("canceller %d: cannot send the long query: %v", i, err)
		}
		if !waitFor(waitLimit, func() bool {
			n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where state = 'active' and query = $1", long)
			return err == nil && n == 1
		}) {
			// A CancelRequest of its own from the loop may still have been on its way and
			// ended the query early: that is a cancel of its own query too.
			code, err := readCode(r, cancelLimit)
			if err != nil || code != "57014" {
				t.Fatalf("canceller %d: its pg_sleep never showed as running on PostgreSQL; its answer: SQLSTATE %q, %v", i, code, err)
			}
			t.Logf("canceller %d: its pg_sleep ended early by one of its own earlier CancelRequests", i)
			continue
		}
		start := time.Now()
		if err := SendCancel(p.Addr(), r.PID, r.Secret); err != nil {
			t.Fatalf("canceller %d: %v", i, err)
		}
		code, err := readCode(r, cancelLimit)
		if err != nil || code != "57014" {
			t.Fatalf("canceller %d: its pg_sleep after a CancelRequest: SQLSTATE %q, %v; want 57014 within %v", i, code, err, cancelLimit)
		}
		t.Logf("canceller %d: its pg_sleep cancelled after %v", i, time.Since(start).Round(time.Millisecond))
	}
}

// queryAndCancel sends sql on r, then at once a CancelRequest with r's key, and returns the
// query's SQLSTATE ("" when it completed).
func queryAndCancel(r *RawConn, addr, sql string, limit time.Duration) (string, error) {
	r.FE.Send(&pgproto3.Query{String: sql})
	if err := r.FE.Flush(); err != nil {
		return "", fmt.Errorf("cannot send query: %w", err)
	}
	if err := SendCancel(addr, r.PID, r.Secret); err != nil {
		return "", err
	}
	return readCode(r, limit)
}

// readCode reads until ReadyForQuery and returns the SQLSTATE of the ErrorResponse it saw,
// or "" when there was none.
func readCode(r *RawConn, limit time.Duration) (string, error) {
	deadline := time.Now().Add(limit)
	code := ""
	for {
		msg, err := r.Receive(time.Until(deadline))
		if err != nil {
			return code, fmt.Errorf("no ReadyForQuery within %v: %w", limit, err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			code = m.Code
		case *pgproto3.ReadyForQuery:
			return code, nil
		}
	}
}
