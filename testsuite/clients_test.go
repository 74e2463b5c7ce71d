// Many clients over a small pool: 500 concurrent clients share 10 servers and all succeed.

package testsuite

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestManyClients(t *testing.T) {
	const clients, poolSize = 500, 10
	cfg := DefaultConfig(shared)
	cfg.Users[0].PoolSize = poolSize
	cfg.General.CheckoutTimeout = 20000
	// md5 keeps 500 client-side handshakes cheap under -race (pgx's SCRAM there costs ~30 ms
	// each on 2 cores); SCRAM is covered by the auth tests.
	cfg.General.AuthType = "md5"
	p := StartProxy(t, cfg)
	ctx := testCtx(t, 120*time.Second)
	super := shared.MustConnect(t, Super)

	stopMonitor := monitorBackends(ctx, super, Alice.User)
	start := make(chan struct{})
	var wg sync.WaitGroup
	var succeeded atomic.Int64
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			if err := shortClient(ctx, p, i); err != nil {
				errs <- err
				return
			}
			succeeded.Add(1)
		}(i)
	}
	began := time.Now()
	close(start)
	wg.Wait()
	maxServers, samples := stopMonitor()
	close(errs)
	shown := 0
	for err := range errs {
		if shown++; shown <= 10 {
			t.Error(err)
		}
	}
	t.Logf("%d/%d clients succeeded in %v; max %d server connections over %d samples",
		succeeded.Load(), clients, time.Since(began), maxServers, samples)
	if succeeded.Load() != clients {
		t.Errorf("%d of %d clients failed", clients-int(succeeded.Load()), clients)
	}
	if samples == 0 || maxServers == 0 {
		t.Errorf("monitor saw no server connections (%d samples)", samples)
	}
	if maxServers > poolSize {
		t.Errorf("PostgreSQL saw %d connections for alice, pool_size is %d", maxServers, poolSize)
	}
}

// monitorBackends samples, every 20 ms, how many backends PostgreSQL has for user. The returned
// stop function ends sampling and reports the maximum seen and the number of samples.
func monitorBackends(ctx context.Context, super *pgx.Conn, user string) (stop func() (maxSeen, samples int64)) {
	quit := make(chan struct{})
	done := make(chan struct{})
	var maxSeen, samples int64
	go func() {
		defer close(done)
		for {
			select {
			case <-quit:
				return
			case <-time.After(20 * time.Millisecond):
			}
			n, err := queryInt(ctx, super, "select count(*) from pg_stat_activity where usename = $1", user)
			if err != nil {
				continue
			}
			samples++
			maxSeen = max(maxSeen, n)
		}
	}()
	return func() (int64, int64) {
		close(quit)
		<-done
		return maxSeen, samples
	}
}

// shortClient connects, runs three checkable transactions and disconnects.
func shortClient(ctx context.Context, p *Proxy, i int) error {
	cfg, err := p.PGXConfig(Alice)
	if err != nil {
		return err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if i%2 == 1 {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("client %d: connect: %w", i, err)
	}
	defer closeQuietly(conn)
	for round := 0; round < 2; round++ {
		if n, err := queryInt(ctx, conn, "select $1::int * 2", i+round); err != nil || n != int64(2*(i+round)) {
			return fmt.Errorf("client %d round %d: %d, %v", i, round, n, err)
		}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("client %d: begin: %w", i, err)
	}
	defer tx.Rollback(ctx)
	var plus int64
	var who string
	if err := tx.QueryRow(ctx, "select $1::int + 1, current_user", i).Scan(&plus, &who); err != nil || plus != int64(i+1) || who != Alice.User {
		return fmt.Errorf("client %d transaction: %d %q, %v", i, plus, who, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("client %d: commit: %w", i, err)
	}
	return nil
}
