// show.go holds the console's SHOW commands about pools, traffic, settings, mirrors and lists.

package admin

import (
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
)

func showVersion(_ *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW VERSION", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"version"}}
	rs.add("pgdogd " + engine.Version)
	return rs, nil
}

// showPools: PgDog's columns (see engine.PoolInfo).
func showPools(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW POOLS", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"database", "user", "addr", "port", "cl_active", "cl_waiting", "sv_active", "sv_idle",
		"sv_idle_xact", "sv_total", "maxwait", "maxwait_us", "pool_mode", "paused", "banned", "errors"}}
	pools, _ := c.snap.Pools() // counts of a silent loop are left out, as before
	for _, v := range pools {
		rs.add(v.Database, v.User, v.Host, v.Port, v.ClActive, v.ClWaiting, v.SvActive, v.SvIdle,
			v.SvIdleXact, v.SvTotal, int64(v.MaxWait/time.Second), (v.MaxWait % time.Second).Microseconds(), v.Mode,
			v.Paused, false, v.Totals.Errors)
	}
	return rs, nil
}

// showStats: totals since start, and averages over the last statsWindow
// (or since start when younger): avg_xact_count, avg_query_count,
// avg_received and avg_sent per second; avg_xact_time and avg_wait_time in
// microseconds per transaction; avg_query_time in microseconds per query.
// Times are in microseconds, sizes in bytes.
func showStats(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW STATS", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"database", "user",
		"total_xact_count", "total_query_count", "total_received", "total_sent", "total_xact_time", "total_query_time", "total_wait_time",
		"avg_xact_count", "avg_query_count", "avg_received", "avg_sent", "avg_xact_time", "avg_query_time", "avg_wait_time"}}
	now := time.Now()
	for _, p := range c.snap.PoolTotals() {
		t := p.Totals
		base, since := c.history.baseline(p.ID, now)
		secs := max(now.Sub(since).Seconds(), 0.001)
		dx, dq := float64(t.Xacts-base.Xacts), float64(t.Queries-base.Queries)
		rs.add(p.Database, p.User,
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
func showConfig(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW CONFIG", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"key", "value", "changeable"}}
	for _, s := range c.snap.Config().Settings() {
		changeable := "no"
		if s.Runtime {
			changeable = "yes"
		}
		rs.add(s.Key, s.Value, changeable)
	}
	return rs, nil
}

func showMirrors(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW MIRRORS", args); err != nil {
		return nil, err
	}
	cols := []string{"database", "user", "destination", "total_count", "mirrored_count", "dropped_count", "error_count", "queue_length"}
	for _, r := range engine.DropReasons() {
		cols = append(cols, "dropped_"+r)
	}
	rs := &resultSet{cols: append(cols, "exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms")}
	for _, d := range c.snap.Mirrors() {
		var dropped int64
		drops := make([]any, len(d.Dropped))
		for i, n := range d.Dropped {
			dropped += n.N
			drops[i] = n.N
		}
		row := []any{d.Source, d.User, d.Destination, d.Total, d.Mirrored, dropped, d.Errors, d.Queued}
		row = append(row, drops...)
		row = append(row, strconv.FormatFloat(d.Exposure, 'g', -1, 64), d.QueueCapacity, ms(d.Lag), ms(d.LagP50), ms(d.LagP99))
		rs.add(row...)
	}
	return rs, nil
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

// showLists counts what pgdogd holds, one row per list.
func showLists(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW LISTS", args); err != nil {
		return nil, err
	}
	cfg := c.snap.Config()
	pools, _ := c.snap.Pools()
	var clients, waiting, servers, idle, mirrors int
	for _, v := range pools {
		clients += v.Clients
		waiting += v.ClWaiting
		servers += v.SvTotal
		idle += v.SvIdle
		mirrors += len(v.Mirrors)
	}
	counts := c.snap.Counts()
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
	rs.add("pools", len(pools))
	rs.add("mirrors", mirrors)
	rs.add("used_clients", clients-waiting)
	rs.add("waiting_clients", waiting)
	rs.add("all_clients", counts.Clients)
	rs.add("used_servers", servers-idle)
	rs.add("free_servers", idle)
	rs.add("loops", counts.Loops)
	return rs, nil
}

func distinct(cfg *config.Config, each func(*config.Config, func(string))) map[string]bool {
	m := map[string]bool{}
	each(cfg, func(s string) { m[s] = true })
	return m
}

// showPrepared lists the prepared statements pgdogd rewrote, with their server-side names.
func showPrepared(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW PREPARED", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []string{"name", "statement"}}
	stmts, _ := c.snap.PreparedStatements()
	for _, st := range stmts {
		rs.add(st.Name, st.Query)
	}
	return rs, nil
}
