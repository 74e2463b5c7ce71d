// clients.go holds SHOW CLIENTS: one row per client connection, PgDog's columns then pgdogd's own.

package admin

import (
	"net"
	"strconv"
	"time"

	"github.com/pgdogd/pgdogd/engine"
)

// addrCols splits a socket address into a host and a port (nil when unknown).
func addrCols(a net.Addr) (string, any) {
	if a == nil {
		return "", nil
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), nil
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return h, nil
	}
	return h, port
}

// idCol is a process ID column: NULL for none.
func idCol(pid uint32) any {
	if pid == 0 {
		return nil
	}
	return pid
}

// zero is a counter pgdogd does not keep for the connection.
func zero[T any](*T) any { return 0 }

// clientFields are SHOW CLIENTS' columns: PgDog's (pgdog/src/admin/show_clients.rs),
// in its order and types, then pgdogd's own. Times are in milliseconds;
// wait_time is the time spent waiting for a server, this wait included.
// pgdogd has no two-phase commit: transactions_2pc reads 0.
var clientFields = []field[engine.ClientInfo]{
	{bigint("id"), func(c *engine.ClientInfo) any { return c.ID }},
	{text("user"), func(c *engine.ClientInfo) any { return c.User }},
	{text("database"), func(c *engine.ClientInfo) any { return c.Database }},
	{text("addr"), func(c *engine.ClientInfo) any { h, _ := addrCols(c.Remote); return h }},
	{numeric("port"), func(c *engine.ClientInfo) any { _, p := addrCols(c.Remote); return p }},
	{text("state"), func(c *engine.ClientInfo) any { return c.State }},
	{text("replication"), func(*engine.ClientInfo) any { return "none" }},
	{text("connect_time"), func(c *engine.ClientInfo) any { return c.ConnectedAt }},
	{text("last_request"), func(c *engine.ClientInfo) any { return c.RequestAt }},
	{numeric("queries"), func(c *engine.ClientInfo) any { return c.Counts.Queries }},
	{numeric("transactions"), func(c *engine.ClientInfo) any { return c.Counts.Xacts }},
	{numeric("transactions_2pc"), zero[engine.ClientInfo]},
	{numeric("wait_time"), func(c *engine.ClientInfo) any { return millis(c.Counts.Wait + c.Wait) }},
	{numeric("query_time"), func(c *engine.ClientInfo) any { return millis3(c.Counts.QueryTime) }},
	{numeric("transaction_time"), func(c *engine.ClientInfo) any { return millis3(c.Counts.XactTime) }},
	{numeric("bytes_received"), func(c *engine.ClientInfo) any { return c.Counts.Received }},
	{numeric("bytes_sent"), func(c *engine.ClientInfo) any { return c.Counts.Sent }},
	{numeric("errors"), func(c *engine.ClientInfo) any { return c.Counts.Errors }},
	{text("application_name"), func(c *engine.ClientInfo) any { return c.ApplicationName }},
	{boolean("locked"), func(c *engine.ClientInfo) any { return c.Pinned != "" }},
	{numeric("prepared_statements"), func(c *engine.ClientInfo) any { return c.PreparedStatements }},
	// pgdogd's own.
	{text("local_addr"), func(c *engine.ClientInfo) any { h, _ := addrCols(c.Local); return h }},
	{numeric("local_port"), func(c *engine.ClientInfo) any { _, p := addrCols(c.Local); return p }},
	{numeric("wait"), func(c *engine.ClientInfo) any { return int64(c.Wait / time.Second) }},
	{numeric("wait_us"), func(c *engine.ClientInfo) any { return (c.Wait % time.Second).Microseconds() }},
	{numeric("link"), func(c *engine.ClientInfo) any { return idCol(c.Link) }},
	{numeric("loop"), func(c *engine.ClientInfo) any { return c.Loop }},
	{text("pinned"), func(c *engine.ClientInfo) any { return c.Pinned }},
	{text("tls"), func(c *engine.ClientInfo) any { return c.TLS }},
}

// showClients lists the clients, with all columns or those named.
func showClients(c *Console, names []string) (*resultSet, error) {
	clients, err := c.snap.Clients()
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW CLIENTS incomplete: %v", err)
	}
	return listing("SHOW CLIENTS", clientFields, names, clients)
}
