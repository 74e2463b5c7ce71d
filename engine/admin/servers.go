// servers.go holds SHOW SERVERS: one row per server connection on the loops, PgDog's columns then pgdogd's own.

package admin

import (
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// serverFields are SHOW SERVERS' columns: PgDog's (pgdog/src/admin/show_servers.rs),
// in its order and types, then pgdogd's own. pgdogd keeps no count of a
// server's rollbacks (it closes a server left in a transaction), health
// checks or memory: they read 0.
var serverFields = []field[engine.ServerInfo]{
	{bigint("pool_id"), func(s *engine.ServerInfo) any { return uint64(s.Pool) }},
	{text("database"), func(s *engine.ServerInfo) any { return s.Database }},
	{text("user"), func(s *engine.ServerInfo) any { return s.User }},
	{text("addr"), func(s *engine.ServerInfo) any { return s.Host }},
	{numeric("port"), func(s *engine.ServerInfo) any { return s.Port }},
	{text("state"), func(s *engine.ServerInfo) any { return s.State }},
	{text("connect_time"), func(s *engine.ServerInfo) any { return s.ConnectedAt }},
	{text("request_time"), func(s *engine.ServerInfo) any { return s.RequestAt }},
	{numeric("remote_pid"), func(s *engine.ServerInfo) any { return idCol(s.PID) }},
	{numeric("transactions"), func(s *engine.ServerInfo) any { return s.Counts.Xacts }},
	{numeric("queries"), func(s *engine.ServerInfo) any { return s.Counts.Queries }},
	{numeric("rollbacks"), zero[engine.ServerInfo]},
	{numeric("prepared_statements"), func(s *engine.ServerInfo) any { return s.PreparedStatements }},
	{numeric("healthchecks"), zero[engine.ServerInfo]},
	{numeric("errors"), func(s *engine.ServerInfo) any { return s.Counts.Errors }},
	{numeric("bytes_received"), func(s *engine.ServerInfo) any { return s.Counts.Received }},
	{numeric("bytes_sent"), func(s *engine.ServerInfo) any { return s.Counts.Sent }},
	{numeric("age"), func(s *engine.ServerInfo) any { return age(s.ConnectedAt) }},
	{text("application_name"), func(s *engine.ServerInfo) any { return s.ApplicationName }},
	{text("memory_used"), zero[engine.ServerInfo]},
	// pgdogd's own.
	{text("local_addr"), func(s *engine.ServerInfo) any { h, _ := addrCols(s.Local); return h }},
	{numeric("local_port"), func(s *engine.ServerInfo) any { _, p := addrCols(s.Local); return p }},
	{text("tx_status"), func(s *engine.ServerInfo) any { return string(rune(s.TxStatus)) }},
	{numeric("link"), func(s *engine.ServerInfo) any { return idCol(s.Link) }},
	{numeric("loop"), func(s *engine.ServerInfo) any { return s.Loop }},
}

// age is the whole seconds since t (0 when unset).
func age(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return int64(time.Since(t) / time.Second)
}

// showServers lists the servers on the loops: linked and idle ones (not
// those connecting, resetting, or used by mirror replay goroutines), with
// all columns or those named.
func showServers(c *Console, names []string) (*resultSet, error) {
	servers, err := c.snap.Servers()
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW SERVERS incomplete: %v", err)
	}
	return listing("SHOW SERVERS", serverFields, names, servers)
}
