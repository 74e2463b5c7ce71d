// health.go holds the health checks of replicas: a login and an empty query every healthcheck_interval, and their replication lag, which ban and unban them.

package engine

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pgdogd/pgdogd/engine/backend"
)

// healthLoop checks the replica every healthcheck_interval until its pool closes or the
// engine stops.
func (p *pool) healthLoop() {
	for {
		st := replicaSettingsOf(p.e.cfg.Load())
		t := time.NewTimer(max(st.checkInterval, 10*time.Millisecond))
		select {
		case <-p.e.stopped:
			t.Stop()
			return
		case <-t.C:
		}
		p.mu.Lock()
		closed := p.closed
		p.mu.Unlock()
		if closed {
			return
		}
		p.healthCheck(st)
	}
}

// healthCheck runs one check: a failure (or lag past the ban thresholds) bans the replica
// for ban_timeout; a pass once that is over puts it back.
func (p *pool) healthCheck(st replicaSettings) {
	p.replica.checks.Add(1)
	if err := p.probe(st); err != nil {
		p.replica.checkFails.Add(1)
		p.ban(err.Error())
		return
	}
	if until := p.replica.bannedUntil.Load(); until != 0 && time.Now().UnixNano() >= until {
		p.unban()
	}
}

// checkNow runs a health check at once, after a sign of trouble (a lost server
// connection): a failure bans the replica. One runs at a time; the others are dropped.
func (p *pool) checkNow(why string) {
	if !p.replica.probing.CompareAndSwap(false, true) {
		return
	}
	defer p.replica.probing.Store(false)
	p.replica.checks.Add(1)
	if err := p.probe(replicaSettingsOf(p.e.cfg.Load())); err != nil {
		p.replica.checkFails.Add(1)
		p.ban(why + "; " + err.Error())
	}
}

// probe logs in, runs an empty query within healthcheck_timeout and, when a lag threshold
// is set, compares the replica's replayed WAL with the primary's.
func (p *pool) probe(st replicaSettings) error {
	c, err := p.login()
	if err != nil {
		return fmt.Errorf("health check: cannot connect: %w", err)
	}
	defer c.Close()
	if _, err := c.Query(";", st.checkTimeout); err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	if st.banLag <= 0 && st.banLagBytes <= 0 {
		return nil
	}
	bytes, behind, err := p.replayLag(c, st.checkTimeout)
	if err != nil {
		return fmt.Errorf("replication lag check: %w", err)
	}
	switch {
	case st.banLagBytes > 0 && bytes > st.banLagBytes:
		return fmt.Errorf("replication lag %d bytes, over ban_replica_lag_bytes %d", bytes, st.banLagBytes)
	case st.banLag > 0 && behind > st.banLag:
		return fmt.Errorf("replication lag %v, over ban_replica_lag %v", behind.Round(time.Millisecond), st.banLag)
	}
	return nil
}

// replayLag is how far the replica's replay is behind the primary's WAL: in bytes, and
// in time since the last transaction it replayed (0 when it replayed everything).
func (p *pool) replayLag(c *backend.Conn, timeout time.Duration) (int64, time.Duration, error) {
	rows, err := c.Query("SELECT pg_last_wal_replay_lsn()::text, "+
		"coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::text", timeout)
	if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
		return 0, 0, fmt.Errorf("cannot read the replay position: %w", errOr(err, "no row"))
	}
	replayed, err := parseLSN(rows[0][0])
	if err != nil {
		return 0, 0, err
	}
	primary, err := p.home.currentLSN(timeout)
	if err != nil {
		return 0, 0, err
	}
	bytes := int64(primary) - int64(replayed)
	if bytes <= 0 {
		return 0, 0, nil
	}
	secs, err := strconv.ParseFloat(rows[0][1], 64)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read the replay delay %q: %w", rows[0][1], err)
	}
	return bytes, time.Duration(secs * float64(time.Second)), nil
}

// currentLSN is the primary's current WAL position.
func (p *pool) currentLSN(timeout time.Duration) (uint64, error) {
	c, err := p.login()
	if err != nil {
		return 0, fmt.Errorf("cannot connect to the primary: %w", err)
	}
	defer c.Close()
	rows, err := c.Query("SELECT pg_current_wal_lsn()::text", timeout)
	if err != nil || len(rows) != 1 || len(rows[0]) != 1 {
		return 0, fmt.Errorf("cannot read the primary's WAL position: %w", errOr(err, "no row"))
	}
	return parseLSN(rows[0][0])
}

// parseLSN reads PostgreSQL's text form of a WAL position, "16/B374D848".
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("cannot read the WAL position %q", s)
	}
	return h<<32 | l, nil
}

// errOr is err, or an error saying what when err is nil.
func errOr(err error, what string) error {
	if err != nil {
		return err
	}
	return errors.New(what)
}
