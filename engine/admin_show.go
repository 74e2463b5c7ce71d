// admin_show.go holds the console's SHOW commands about pools, traffic, settings, mirrors and lists.

package engine

import (
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
)

func showVersion(_ *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW VERSION", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"version"}}
	rs.add("pgdogd " + Version)
	return rs, nil
}

// showPools: PgDog's columns. sv_active counts servers linked to a client,
// sv_idle_xact those of them idle inside a transaction; sv_total also
// counts servers still connecting or moving between loops.
func showPools(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW POOLS", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"database", "user", "addr", "port", "cl_active", "cl_waiting", "sv_active", "sv_idle",
		"sv_idle_xact", "sv_total", "maxwait", "maxwait_us", "pool_mode", "paused", "banned", "errors"}}
	for _, v := range e.poolViews() {
		p := v.p
		rs.add(p.cfg.database, p.cfg.user, p.cfg.host, p.cfg.port, v.clActive, v.clWaiting, v.svActive, v.svIdle,
			v.svIdleXact, v.svTotal, int64(v.maxWait/time.Second), (v.maxWait % time.Second).Microseconds(), p.cfg.mode,
			v.paused, false, v.totals.Errors)
	}
	return rs, nil
}

// showStats: totals since start, and averages over the last statsWindow
// (or since start when younger): avg_xact_count, avg_query_count,
// avg_received and avg_sent per second; avg_xact_time and avg_wait_time in
// microseconds per transaction; avg_query_time in microseconds per query.
// Times are in microseconds, sizes in bytes.
func showStats(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW STATS", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"database", "user",
		"total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
		"avg_xact_count", "avg_query_count", "avg_received", "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time"}}
	now := time.Now()
	for _, p := range e.pools.Load().list {
		t := p.stats.totals()
		base, since := e.adm.history.baseline(p, now)
		secs := max(now.Sub(since).Seconds(), 0.001)
		dx, dq := float64(t.Xacts-base.Xacts), float64(t.Queries-base.Queries)
		rs.add(p.cfg.database, p.cfg.user,
			t.Xacts, t.Queries, t.Received, t.Sent, t.XactTime.Microseconds(), t.QueryTime.Microseconds(), t.WaitTime.Microseconds(),
			rate(dx, secs), rate(dq, secs), rate(float64(t.Received-base.Received), secs), rate(float64(t.Sent-base.Sent), secs),
			per(t.XactTime-base.XactTime, dx), per(t.QueryTime-base.QueryTime, dq), per(t.WaitTime-base.WaitTime, dx))
	}
	return rs, nil
}

func rate(n, secs float64) int64 { return int64(n/secs + 0.5) }

// per is a duration per event, in microseconds; 0 without events.
func per(d time.Duration, n float64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(float64(d.Microseconds())/n + 0.5)
}

// showConfig lists the [general] settings in force; changeable ones take SET.
func showConfig(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW CONFIG", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"key", "value", "changeable"}}
	for _, s := range e.cfg.Load().Settings() {
		changeable := "no"
		if s.Runtime {
			changeable = "yes"
		}
		rs.add(s.Key, s.Value, changeable)
	}
	return rs, nil
}

func showMirrors(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW MIRRORS", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"database", "user", "destination", "total_count", "mirrored_count", "dropped_count", "error_count", "queue_length",
		"dropped_exposure", "dropped_queue_full", "dropped_too_large", "dropped_mirror_unavailable", "dropped_source_failed", "dropped_level", "dropped_memory",
		"exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms"}}
	for _, p := range e.pools.Load().list {
		for _, d := range p.mirrors {
			st := &d.stats
			var dropped int64
			drops := make([]any, numDropReasons)
			for i := range st.dropped {
				n := st.dropped[i].Load()
				dropped += n
				drops[i] = n
			}
			row := []any{d.sourceDB, p.cfg.user, d.destDB, st.total.Load(), st.mirrored.Load(), dropped, st.errors.Load(), st.queued.Load()}
			row = append(row, drops...)
			row = append(row, strconv.FormatFloat(d.getExposure(), 'g', -1, 64), d.queueLen.Load(),
				ms(st.lagNanos.Load()), ms(int64(st.lag.quantile(0.5))), ms(int64(st.lag.quantile(0.99))))
			rs.add(row...)
		}
	}
	return rs, nil
}

func ms(nanos int64) string { return strconv.FormatFloat(float64(nanos)/1e6, 'f', 3, 64) }

// showLists counts what pgdogd holds, one row per list.
func showLists(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW LISTS", args); err != nil {
		return nil, err
	}
	cfg := e.cfg.Load()
	views := e.poolViews()
	var clients, waiting, servers, idle, mirrors int
	for _, v := range views {
		clients += v.clients
		waiting += v.clWaiting
		servers += v.svTotal
		idle += v.svIdle
		mirrors += len(v.p.mirrors)
	}
	rs := &resultSet{cols: []string{"list", "items"}}
	rs.add("databases", len(distinct(cfg, func(c *config.Config, add func(string)) {
		for _, d := range c.Databases {
			add(d.Name)
		}
	})))
	rs.add("users", len(distinct(cfg, func(c *config.Config, add func(string)) {
		for _, u := range c.Users {
			add(u.Name)
		}
	})))
	rs.add("pools", len(views))
	rs.add("mirrors", mirrors)
	rs.add("used_clients", clients-waiting)
	rs.add("waiting_clients", waiting)
	rs.add("all_clients", e.clients.count())
	rs.add("used_servers", servers-idle)
	rs.add("free_servers", idle)
	rs.add("loops", e.knownLoops())
	return rs, nil
}

func distinct(cfg *config.Config, each func(*config.Config, func(string))) map[string]bool {
	m := map[string]bool{}
	each(cfg, func(s string) { m[s] = true })
	return m
}

func (e *Engine) knownLoops() int {
	e.loopsMu.Lock()
	defer e.loopsMu.Unlock()
	return len(e.loops)
}

// showPrepared lists the prepared statements pgdogd rewrote, with their server-side names.
func showPrepared(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW PREPARED", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"name", "statement"}}
	for _, st := range e.stmts.list() {
		rs.add(st.Name, st.Query)
	}
	return rs, nil
}
