// conns.go holds SHOW CLIENTS and SHOW SERVERS: one row per connection.

package admin

import (
	"net"
	"strconv"
	"time"
)

// timeCol formats a time for the console ("" when unset).
func timeCol(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05.000 MST")
}

// addrCols splits a socket address into host and port columns.
func addrCols(a net.Addr) (string, string) {
	if a == nil {
		return "", ""
	}
	h, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String(), ""
	}
	return h, p
}

// idCol is a process ID column: "" for none.
func idCol(pid uint32) string {
	if pid == 0 {
		return ""
	}
	return strconv.FormatUint(uint64(pid), 10)
}

var clientCols = []string{"type", "user", "database", "state", "addr", "port", "local_addr", "local_port",
	"connect_time", "request_time", "wait", "wait_us", "id", "link", "application_name", "loop", "pinned", "tls"}

func showClients(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW CLIENTS", args); err != nil {
		return nil, err
	}
	clients, err := c.snap.Clients()
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW CLIENTS incomplete: %v", err)
	}
	rs := &resultSet{cols: clientCols}
	for _, ci := range clients {
		addr, port := addrCols(ci.Remote)
		laddr, lport := addrCols(ci.Local)
		rs.rows = append(rs.rows, []string{"C", ci.User, ci.Database, ci.State, addr, port, laddr, lport,
			timeCol(ci.ConnectedAt), timeCol(ci.RequestAt), strconv.FormatInt(int64(ci.Wait/time.Second), 10),
			strconv.FormatInt((ci.Wait % time.Second).Microseconds(), 10), strconv.FormatUint(uint64(ci.ID), 10), idCol(ci.Link),
			ci.ApplicationName, strconv.Itoa(ci.Loop), ci.Pinned, ci.TLS})
	}
	return rs, nil
}

var serverCols = []string{"type", "user", "database", "state", "addr", "port", "local_addr", "local_port",
	"connect_time", "request_time", "remote_pid", "tx_status", "link", "loop"}

// showServers lists the servers on the loops: linked and idle ones (not
// those connecting, resetting, or used by mirror replay goroutines).
func showServers(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHOW SERVERS", args); err != nil {
		return nil, err
	}
	servers, err := c.snap.Servers()
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW SERVERS incomplete: %v", err)
	}
	rs := &resultSet{cols: serverCols}
	for _, si := range servers {
		laddr, lport := addrCols(si.Local)
		rs.rows = append(rs.rows, []string{"S", si.User, si.Database, si.State, si.Host, strconv.Itoa(si.Port), laddr, lport,
			timeCol(si.ConnectedAt), timeCol(si.RequestAt), idCol(si.PID), string(rune(si.TxStatus)), idCol(si.Link), strconv.Itoa(si.Loop)})
	}
	return rs, nil
}
