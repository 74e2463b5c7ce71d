// dial.go holds the opening of server connections: dial, authenticate, enroll on a loop.

package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"github.com/pgdogd/pgdogd/engine/session"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// dial opens one server for the pool and enrolls it on loop target (any
// loop when nil). It runs on its own goroutine; the pool already counted
// the server in total.
func (p *pool) dial(target *loopState) {
	lr, ps, err := p.connect()
	if err != nil {
		p.e.stats.connectFailures.Add(1)
		p.e.log.Warn("cannot connect to server", "host", p.cfg.host, "port", p.cfg.port,
			"database", p.cfg.dbname, "user", p.cfg.serverUser, "err", err)
		p.dropped(nil, err)
		return
	}
	nc, err := loopConn(lr.conn)
	if err != nil {
		_ = lr.conn.Close()
		p.e.log.Warn("cannot relay a TLS server connection", "err", err)
		p.dropped(nil, err)
		return
	}
	ctx := gnet.NewContext(context.Background(), p.newServer(lr, ps))
	if target != nil {
		_, err = target.el.Enroll(ctx, nc)
	} else {
		_, err = p.e.eng.Register(gnet.NewNetConnContext(ctx, nc))
	}
	if err != nil {
		_ = nc.Close()
		p.e.log.Warn("cannot enroll server connection", "err", err)
		p.dropped(nil, err)
		return
	}
	p.e.stats.serversOpened.Add(1)
}

// connect dials and authenticates a server with connect_timeout, and
// returns the authenticated socket, ready for its first query, with the
// settings the server reported (PostgreSQL's spelling kept for
// ParameterStatus).
func (p *pool) connect() (*loginResult, session.Params, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.connectTimeout())
	defer cancel()
	var lr *loginResult
	var err error
	if isMD5Hash(p.cfg.serverPassword) {
		lr, err = p.loginWithMD5Hash(ctx)
	} else {
		lr, err = p.loginWithPassword(ctx)
	}
	if err != nil {
		return nil, nil, err
	}
	var ps session.Params
	for k, v := range lr.params {
		ps = append(ps, session.Param{Name: strings.ToLower(k), Display: k, Value: v, Reported: true})
	}
	p.mu.Lock()
	if p.defs == nil {
		p.defs = ps.Clone()
	}
	p.mu.Unlock()
	return lr, ps, nil
}

// newServer makes the server of a fresh login, before it is enrolled on a loop.
func (p *pool) newServer(lr *loginResult, ps session.Params) *server {
	s := &server{
		pool:     p,
		state:    svConnecting,
		pausedFd: -1,
		cancel:   &cancelTarget{addr: hostPort(p.cfg.host, p.cfg.port), pid: lr.pid, key: lr.key},
		created:  time.Now(),
		params:   ps,
	}
	s.l.init(&s.stmts)
	return s
}

// loginWithPassword logs in with pgconn, which speaks every method PostgreSQL offers.
func (p *pool) loginWithPassword(ctx context.Context) (*loginResult, error) {
	cfg, err := p.pgconnConfig()
	if err != nil {
		return nil, err
	}
	cfg.User, cfg.Password, cfg.Database = p.cfg.serverUser, p.cfg.serverPassword, p.cfg.dbname
	cfg.RuntimeParams = map[string]string{}
	cfg.ConnectTimeout = p.connectTimeout()
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// A write slower than 15 ms starts pgconn's background reader, which can
	// still sit in a Read of the socket after the login ended: it would take
	// the first reply meant for pgdogd. SyncConn stops it (pgconn's rule
	// before Hijack).
	if err := conn.SyncConn(ctx); err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("cannot take over server connection: %w", err)
	}
	hj, err := conn.Hijack()
	if err != nil {
		return nil, fmt.Errorf("cannot take over server connection: %w", err)
	}
	return &loginResult{conn: hj.Conn, pid: hj.PID, key: hj.SecretKey, params: hj.ParameterStatuses}, nil
}

// pgconnConfig is the pool's server address with tls_verify's settings
// (pgconn builds the TLS configuration for the host, and with "prefer" a
// plaintext fallback).
func (p *pool) pgconnConfig() (*pgconn.Config, error) {
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%d %s", tlsedge.Quote(p.cfg.host), p.cfg.port, p.e.serverTLS().conn))
	if err != nil {
		return nil, fmt.Errorf("cannot build connection settings: %w", err)
	}
	return cfg, nil
}

// loopConn returns a connection an event loop can take: a TLS server
// connection is relayed through a socketpair (its plaintext end is
// returned), a plain one is itself.
func loopConn(c net.Conn) (net.Conn, error) {
	if _, ok := c.(*tls.Conn); !ok {
		return c, nil
	}
	return tlsedge.Bridge(c, nil)
}
