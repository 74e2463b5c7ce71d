// pools.go holds SHOW POOLS: one row per pool, PgDog's columns then pgdogd's own.

package admin

import (
	"cmp"
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// poolFields are SHOW POOLS' columns: PgDog's (pgdog/src/admin/show_pools.rs),
// in its order and types, then pgdogd's own. A replica's pool is a row of
// its own, with its role, ban and health (healthy: not banned); pgdogd does
// not shard (shard 0) and its pools are online; PgDog's counts
// of re-synced, out-of-sync and force-closed servers and of cancels in
// flight are not kept by pgdogd and read 0.
var poolFields = []field[engine.PoolInfo]{
	{bigint("id"), func(p *engine.PoolInfo) any { return uint64(p.ID) }},
	{text("database"), func(p *engine.PoolInfo) any { return p.Database }},
	{text("user"), func(p *engine.PoolInfo) any { return p.User }},
	{text("addr"), func(p *engine.PoolInfo) any { return p.Host }},
	{numeric("port"), func(p *engine.PoolInfo) any { return p.Port }},
	{numeric("shard"), zero[engine.PoolInfo]},
	{text("role"), func(p *engine.PoolInfo) any { return cmp.Or(p.Replica.Role, "primary") }},
	{numeric("cl_waiting"), func(p *engine.PoolInfo) any { return p.ClWaiting }},
	{numeric("sv_idle"), func(p *engine.PoolInfo) any { return p.SvIdle }},
	{numeric("sv_active"), func(p *engine.PoolInfo) any { return p.SvActive }},
	{numeric("sv_idle_xact"), func(p *engine.PoolInfo) any { return p.SvIdleXact }},
	{numeric("sv_total"), func(p *engine.PoolInfo) any { return p.SvTotal }},
	{numeric("maxwait"), func(p *engine.PoolInfo) any { return int64(p.MaxWait / time.Second) }},
	{numeric("maxwait_us"), func(p *engine.PoolInfo) any { return (p.MaxWait % time.Second).Microseconds() }},
	{text("pool_mode"), func(p *engine.PoolInfo) any { return string(p.Mode) }},
	{boolean("paused"), func(p *engine.PoolInfo) any { return p.Paused }},
	{boolean("banned"), func(p *engine.PoolInfo) any { return p.Replica.Banned }},
	{boolean("healthy"), func(p *engine.PoolInfo) any { return !p.Replica.Banned }},
	{numeric("errors"), func(p *engine.PoolInfo) any { return p.Totals.Errors }},
	{numeric("re_synced"), zero[engine.PoolInfo]},
	{numeric("out_of_sync"), zero[engine.PoolInfo]},
	{numeric("force_closed"), zero[engine.PoolInfo]},
	{boolean("online"), func(*engine.PoolInfo) any { return true }},
	{boolean("schema_admin"), func(*engine.PoolInfo) any { return false }},
	{numeric("cancels_in_flight"), zero[engine.PoolInfo]},
	// pgdogd's own.
	{numeric("cl_active"), func(p *engine.PoolInfo) any { return p.ClActive }},
	{text("ban_reason"), func(p *engine.PoolInfo) any { return nullIfEmpty(p.Replica.BanReason) }},
	{numeric("reads"), func(p *engine.PoolInfo) any { return p.Replica.Reads }},
	{numeric("bans"), func(p *engine.PoolInfo) any { return p.Replica.Bans }},
	{numeric("health_checks"), func(p *engine.PoolInfo) any { return p.Replica.Checks }},
	{numeric("health_check_failures"), func(p *engine.PoolInfo) any { return p.Replica.CheckFailures }},
}

// showPools lists the running pools.
func showPools(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW POOLS", args); err != nil {
		return nil, err
	}
	pools, _ := c.snap.Pools() // counts of a silent loop are left out, as before
	return listing("SHOW POOLS", poolFields, nil, pools)
}

// nullIfEmpty is s, or NULL when s is empty.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
