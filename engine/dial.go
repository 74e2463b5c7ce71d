// dial.go holds the opening of server connections: dial, authenticate, enroll on a loop.

package engine

import (
	"context"
	"strings"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/session"
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
	nc, err := backend.LoopConn(lr.Conn)
	if err != nil {
		_ = lr.Close()
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

// connect logs in to the pool's server within connect_timeout and records
// a fresh server's settings as the pool's defaults.
func (p *pool) connect() (*backend.Conn, session.Params, error) {
	start := time.Now()
	lr, err := p.login()
	if err != nil {
		p.events.errors.Add(1)
		return nil, nil, err
	}
	p.events.connected(time.Since(start))
	var ps session.Params
	for k, v := range lr.Params {
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
func (p *pool) newServer(lr *backend.Conn, ps session.Params) *server {
	s := &server{
		pool:     p,
		state:    svConnecting,
		pausedFd: -1,
		cancel:   &cancelTarget{addr: hostPort(p.cfg.host, p.cfg.port), pid: lr.PID, key: lr.Key},
		created:  time.Now(),
		params:   ps,
	}
	s.l.init(&s.stmts)
	return s
}
