// admin_conns.go holds SHOW CLIENTS and SHOW SERVERS: one row per connection, read on the connection's own loop.

package engine

import (
	"crypto/tls"
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

var clientCols = []string{"type", "user", "database", "state", "addr", "port", "local_addr", "local_port",
	"connect_time", "request_time", "wait", "wait_us", "id", "link", "application_name", "loop", "pinned", "tls"}

// clientRows runs on ls: a row per live client there.
func clientRows(ls *loopState, clients []*client) [][]string {
	var rows [][]string
	for _, cl := range clients {
		if cl.state == clClosed {
			continue
		}
		var wait time.Duration
		if cl.state == clWaiting || cl.state == clParams {
			cl.pool.mu.Lock()
			wait = time.Since(cl.waitStart)
			cl.pool.mu.Unlock()
		}
		link := ""
		if cl.server != nil && cl.server.cancel != nil {
			link = strconv.FormatUint(uint64(cl.server.cancel.pid), 10)
		}
		app, _ := cl.params.get("application_name")
		remote, local, tlsCol := cl.conn.RemoteAddr(), cl.conn.LocalAddr(), ""
		if cl.tls != nil { // the relay's socketpair is not the client's address
			remote, local, tlsCol = cl.tls.remote, cl.tls.local, tls.VersionName(cl.tls.version)
		}
		addr, port := addrCols(remote)
		laddr, lport := addrCols(local)
		rows = append(rows, []string{"C", cl.user, cl.database, cl.state.String(), addr, port, laddr, lport,
			timeCol(cl.connectedAt), timeCol(cl.txStart), strconv.FormatInt(int64(wait/time.Second), 10), strconv.FormatInt((wait % time.Second).Microseconds(), 10),
			strconv.FormatUint(uint64(cl.key.pid), 10), link, app, strconv.Itoa(ls.idx), pinReasons(cl.pins), tlsCol})
	}
	return rows
}

func showClients(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW CLIENTS", args); err != nil {
		return nil, err
	}
	perLoop, err := onLoops(e, clientRows)
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW CLIENTS incomplete: %v", err)
	}
	rs := &resultSet{cols: clientCols}
	for _, rows := range perLoop {
		rs.rows = append(rs.rows, rows...)
	}
	return rs, nil
}

var serverCols = []string{"type", "user", "database", "state", "addr", "port", "local_addr", "local_port",
	"connect_time", "request_time", "remote_pid", "tx_status", "link", "loop"}

// serverRow describes s; it runs on s's loop.
func serverRow(ls *loopState, s *server, link string) []string {
	p := s.pool
	laddr, lport := "", ""
	if s.conn != nil {
		laddr, lport = addrCols(s.conn.LocalAddr())
	}
	pid := ""
	if s.cancel != nil {
		pid = strconv.FormatUint(uint64(s.cancel.pid), 10)
	}
	return []string{"S", p.cfg.serverUser, p.cfg.dbname, s.state.String(), p.cfg.host, strconv.Itoa(p.cfg.port), laddr, lport,
		timeCol(s.created), timeCol(s.l.cycleStart), pid, string(rune(s.l.tx)), link, strconv.Itoa(ls.idx)}
}

// serverRows runs on ls: the servers linked to its clients, then the idle
// servers of its stacks (a server in loop ls's idle stack lives on ls and
// can only move by a task on ls, so it is stable here).
func serverRows(e *Engine) func(ls *loopState, clients []*client) [][]string {
	pools := e.pools.Load().list
	return func(ls *loopState, clients []*client) [][]string {
		var rows [][]string
		for _, cl := range clients {
			if cl.state != clClosed && cl.server != nil {
				rows = append(rows, serverRow(ls, cl.server, strconv.FormatUint(uint64(cl.key.pid), 10)))
			}
		}
		for _, p := range pools {
			p.mu.Lock()
			var idle []*server
			if ls.idx < len(p.idle) {
				idle = append(idle, p.idle[ls.idx]...)
			}
			p.mu.Unlock()
			for _, s := range idle {
				rows = append(rows, serverRow(ls, s, ""))
			}
		}
		return rows
	}
}

// showServers lists the servers on the loops: linked and idle ones (not
// those connecting, resetting, or used by mirror replay goroutines).
func showServers(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHOW SERVERS", args); err != nil {
		return nil, err
	}
	perLoop, err := onLoops(e, serverRows(e))
	if err != nil {
		return nil, adminErrorf(codeSystemError, "SHOW SERVERS incomplete: %v", err)
	}
	rs := &resultSet{cols: serverCols}
	for _, rows := range perLoop {
		rs.rows = append(rs.rows, rows...)
	}
	return rs, nil
}
