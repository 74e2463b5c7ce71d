// show.go holds the console's SHOW commands about the version, mirrors, lists and prepared statements.

package admin

import (
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
)

// showVersion answers as PgDog's does, one text column (its value names pgdogd).
func showVersion(_ *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW VERSION", args); err != nil {
		return nil, err
	}
	rs := &resultSet{cols: []column{text("version")}}
	rs.add("pgdogd v" + engine.Version)
	return rs, nil
}

// mirrorFields are SHOW MIRRORS' columns: PgDog's (pgdog/src/admin/show_mirrors.rs),
// then pgdogd's own: a row is one mirror, named by its destination, with
// its drops by reason, exposure, queue capacity and replay lag.
var mirrorFields = func() []field[engine.MirrorInfo] {
	fs := []field[engine.MirrorInfo]{
		{text("database"), func(m *engine.MirrorInfo) any { return m.Source }},
		{text("user"), func(m *engine.MirrorInfo) any { return m.User }},
		{numeric("total_count"), func(m *engine.MirrorInfo) any { return m.Total }},
		{numeric("mirrored_count"), func(m *engine.MirrorInfo) any { return m.Mirrored }},
		{numeric("dropped_count"), func(m *engine.MirrorInfo) any { return dropped(m) }},
		{numeric("error_count"), func(m *engine.MirrorInfo) any { return m.Errors }},
		{numeric("queue_length"), func(m *engine.MirrorInfo) any { return m.Queued }},
		// pgdogd's own.
		{text("destination"), func(m *engine.MirrorInfo) any { return m.Destination }},
	}
	for i, r := range engine.DropReasons() {
		fs = append(fs, field[engine.MirrorInfo]{numeric("dropped_" + r), func(m *engine.MirrorInfo) any { return m.Dropped[i].N }})
	}
	return append(fs,
		field[engine.MirrorInfo]{numeric("exposure"), func(m *engine.MirrorInfo) any { return m.Exposure }},
		field[engine.MirrorInfo]{numeric("queue_capacity"), func(m *engine.MirrorInfo) any { return m.QueueCapacity }},
		field[engine.MirrorInfo]{numeric("lag_ms"), func(m *engine.MirrorInfo) any { return ms(m.Lag) }},
		field[engine.MirrorInfo]{numeric("lag_p50_ms"), func(m *engine.MirrorInfo) any { return ms(m.LagP50) }},
		field[engine.MirrorInfo]{numeric("lag_p99_ms"), func(m *engine.MirrorInfo) any { return ms(m.LagP99) }})
}()

// dropped is a mirror's drops for every reason.
func dropped(m *engine.MirrorInfo) int64 {
	var n int64
	for _, d := range m.Dropped {
		n += d.N
	}
	return n
}

func showMirrors(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW MIRRORS", args); err != nil {
		return nil, err
	}
	return listing("SHOW MIRRORS", mirrorFields, nil, c.snap.Mirrors())
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
	rs := &resultSet{cols: []column{text("list"), numeric("items")}}
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

// preparedFields are SHOW PREPARED's columns, PgDog's (pgdog/src/admin/show_prepared_statements.rs):
// pgdogd renames statements but never rewrites their text, so rewrite is NULL.
var preparedFields = []field[engine.PreparedStatement]{
	{text("name"), func(p *engine.PreparedStatement) any { return p.Name }},
	{text("statement"), func(p *engine.PreparedStatement) any { return p.Query }},
	{text("rewrite"), func(*engine.PreparedStatement) any { return nil }},
	{numeric("used_by"), func(p *engine.PreparedStatement) any { return p.UsedBy }},
	{numeric("memory_used"), func(p *engine.PreparedStatement) any { return p.Memory }},
}

// showPrepared lists the prepared statements pgdogd rewrote, with their server-side names.
func showPrepared(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW PREPARED", args); err != nil {
		return nil, err
	}
	stmts, err := c.snap.PreparedStatements()
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW PREPARED incomplete: %v", err)
	}
	return listing("SHOW PREPARED", preparedFields, nil, stmts)
}
