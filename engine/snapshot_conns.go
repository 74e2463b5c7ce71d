// snapshot_conns.go holds the reading of client and server connections for SHOW CLIENTS and SHOW SERVERS, on each connection's own loop.

package engine

import (
	"crypto/tls"
	"time"

	"github.com/pgdogd/pgdogd/engine/session"
)

// clientInfos runs on ls: one entry per live client there.
func clientInfos(ls *loopState, clients []*client) []ClientInfo {
	var out []ClientInfo
	for _, cl := range clients {
		if cl.state == clClosed {
			continue
		}
		ci := ClientInfo{User: cl.user, Database: cl.database, State: cl.state.String(),
			Remote: cl.conn.RemoteAddr(), Local: cl.conn.LocalAddr(), ConnectedAt: cl.connectedAt, RequestAt: cl.txStart,
			ID: cl.key.pid, Loop: ls.idx, Pinned: session.PinReasons(cl.pins), PreparedStatements: len(cl.stmts.named), Counts: cl.counts}
		if cl.state == clWaiting { // a client in clParams has its server
			cl.pool.mu.Lock()
			ci.Wait = time.Since(cl.waitStart)
			cl.pool.mu.Unlock()
		}
		if cl.server != nil && cl.server.cancel != nil {
			ci.Link = cl.server.cancel.pid
		}
		ci.ApplicationName, _ = cl.params.Get("application_name")
		if cl.tls != nil { // the relay's socketpair is not the client's address
			ci.Remote, ci.Local, ci.TLS = cl.tls.remote, cl.tls.local, tls.VersionName(cl.tls.version)
		}
		out = append(out, ci)
	}
	return out
}

// Clients describes the live clients of every loop.
func (s snapshot) Clients() ([]ClientInfo, error) {
	perLoop, err := onLoops(s.e, clientInfos)
	var out []ClientInfo
	for _, l := range perLoop {
		out = append(out, l...)
	}
	return out, err
}

// serverInfo describes sv; it runs on sv's loop.
func serverInfo(ls *loopState, sv *server, link uint32) ServerInfo {
	p := sv.pool
	si := ServerInfo{User: p.cfg.serverUser, Database: p.cfg.dbname, State: sv.state.String(), Host: p.cfg.host, Port: p.cfg.port,
		ConnectedAt: sv.created, RequestAt: sv.l.cycleStart, TxStatus: sv.l.tx, Link: link, Loop: ls.idx,
		Pool: p.id, PreparedStatements: sv.stmts.Len(), Counts: sv.counts}
	si.ApplicationName, _ = sv.params.Get("application_name")
	if sv.conn != nil {
		si.Local = sv.conn.LocalAddr()
	}
	if sv.cancel != nil {
		si.PID = sv.cancel.pid
	}
	return si
}

// serverInfos runs on ls: the servers linked to its clients, then the idle
// servers of its stacks (a server in loop ls's idle stack lives on ls and
// can only move by a task on ls, so it is stable here).
func serverInfos(pools []*pool) func(ls *loopState, clients []*client) []ServerInfo {
	return func(ls *loopState, clients []*client) []ServerInfo {
		var out []ServerInfo
		for _, cl := range clients {
			if cl.state != clClosed && cl.server != nil {
				out = append(out, serverInfo(ls, cl.server, cl.key.pid))
			}
		}
		for _, p := range pools {
			p.mu.Lock()
			var idle []*server
			if ls.idx < len(p.idle) {
				idle = append(idle, p.idle[ls.idx]...)
			}
			p.mu.Unlock()
			for _, sv := range idle {
				out = append(out, serverInfo(ls, sv, 0))
			}
		}
		return out
	}
}

// Servers describes the servers on the loops: linked and idle ones (not
// those connecting, resetting, or used by mirror replay goroutines).
func (s snapshot) Servers() ([]ServerInfo, error) {
	perLoop, err := onLoops(s.e, serverInfos(s.e.pools.Load().list))
	var out []ServerInfo
	for _, l := range perLoop {
		out = append(out, l...)
	}
	return out, err
}
