// engine.go holds the Engine: gnet's event handler, its start and its graceful stop.

package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	"github.com/pgdogd/pgdogd/engine/prepared"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// Engine is one running pgdogd: its listener, loops, pools and clients.
type Engine struct {
	gnet.BuiltinEventEngine

	cfg   atomic.Pointer[config.Config]
	cfgMu sync.Mutex // serialises SET and RELOAD
	pools atomic.Pointer[poolSet]
	eng   gnet.Engine
	log   *slog.Logger

	loopsMu sync.Mutex
	loops   []*loopState // indexed by loopState.idx, appended on first sight

	clients registry // every client, by cancel key
	// clientConns counts client connections, from accept to close (a TLS
	// client once, through its handshake and relay).
	clientConns atomic.Int64
	listener    *net.TCPListener
	// tlsClients is the TLS configuration clients are served with (nil:
	// no TLS); tlsServers the one servers are logged in to with.
	tlsClients atomic.Pointer[tls.Config]
	tlsServers atomic.Pointer[backend.TLS]
	shutdown   atomic.Bool
	stopped    chan struct{}
	booted     chan struct{}
	// mirrorStop is closed at shutdown: mirror goroutines stop replaying.
	mirrorStop chan struct{}
	stats      Stats
	logins     atomic.Uint64 // pool clients that logged in: each one's number seeds its exposure draws
	maxMsg     int
	stmts      *prepared.Cache // prepared statements, shared by every pool
	pass       passthrough     // passwords passthrough authentication checked with PostgreSQL
	// adminSecret is the [admin] password, parsed once.
	adminSecret auth.Secret
	console     Console         // set by SetConsole
	sessions    consoleSessions // console clients with a command running
	insight     *insight.Table  // mirrored statements compared with their source
}

// New builds an Engine from a loaded configuration. Nothing listens yet.
func New(cfg *config.Config, log *slog.Logger) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{log: log, stopped: make(chan struct{}), booted: make(chan struct{}), mirrorStop: make(chan struct{}), stmts: prepared.NewCache()}
	e.cfg.Store(cfg)
	ps, err := buildPools(e, cfg, nil)
	if err != nil {
		return nil, err
	}
	e.pools.Store(ps)
	if e.adminSecret, err = auth.ParseSecret(cfg.Admin.User, cfg.Admin.Password); err != nil {
		return nil, fmt.Errorf("cannot read the admin password: %w", err)
	}
	if cfg.Admin.PasswordGenerated {
		log.Warn("no admin password configured: generated one for this run", "user", cfg.Admin.User, "password", cfg.Admin.Password)
	}
	if err := e.loadTLS(cfg); err != nil {
		return nil, err
	}
	e.maxMsg = cfg.General.MaxMessageSize
	if e.maxMsg <= 0 {
		e.maxMsg = 64 << 20
	}
	e.clients.init()
	e.insight = insight.NewTable(cfg.General.MirrorStatsQueries)
	if len(cfg.Mirrors) > 0 {
		mirroring.Apply(e.log, cfg) // logs the limit in force
	}
	return e, nil
}

// Config returns the configuration in force.
func (e *Engine) Config() *config.Config { return e.cfg.Load() }

// Run listens and serves until Shutdown or a fatal error. It blocks.
//
// pgdogd accepts clients itself (accept.go) and enrolls them on gnet's
// loops; gnet listens only on a private Unix socket nobody connects to,
// which its engine needs to start.
func (e *Engine) Run() error {
	g := e.cfg.Load().General
	e.raiseFileLimit()
	ln, err := listen(g.Host, g.Port)
	if err != nil {
		close(e.stopped)
		return err
	}
	e.listener = ln
	defer ln.Close()
	dir, err := os.MkdirTemp("", "pgdogd-loops-")
	if err != nil {
		close(e.stopped)
		return fmt.Errorf("cannot make a directory for the loops' socket: %w", err)
	}
	defer os.RemoveAll(dir)
	go e.janitor()
	err = gnet.Run(e, "unix://"+filepath.Join(dir, "loops.sock"),
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(g.Workers),
		gnet.WithLoadBalancing(gnet.LeastConnections),
		gnet.WithLogger(gnetLogger{e.log}),
	)
	close(e.stopped)
	if err != nil {
		return fmt.Errorf("cannot serve on %s:%d: %w", g.Host, g.Port, err)
	}
	return nil
}

// Booted is closed once the listener accepts connections.
func (e *Engine) Booted() <-chan struct{} { return e.booted }

// OnBoot records the gnet engine handle.
func (e *Engine) OnBoot(eng gnet.Engine) gnet.Action {
	e.eng = eng
	g := e.cfg.Load().General
	e.log.Info("pgdogd listening", "host", g.Host, "port", g.Port, "workers", g.Workers, "tls", e.tlsClients.Load() != nil)
	close(e.booted)
	go e.acceptLoop(e.listener)
	return gnet.None
}

// OnOpen starts a client, or finishes a server's enrolment on its loop.
func (e *Engine) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	ls := e.loopOf(c)
	if s, ok := c.Context().(*server); ok {
		s.opened(c, ls)
		return nil, gnet.None
	}
	cl := newClient(e, c, ls)
	if p, ok := c.Context().(*tlsPeer); ok {
		cl.tls = p // the plaintext end of a TLS client's relay: counted at accept
		cl.connectedAt = p.since
	} else {
		e.stats.clientsOpened.Add(1)
	}
	c.SetContext(cl)
	ls.addClient(cl)
	return nil, gnet.None
}

// OnTraffic dispatches a read to its client or server state machine.
func (e *Engine) OnTraffic(c gnet.Conn) gnet.Action {
	switch x := c.Context().(type) {
	case *client:
		return x.onTraffic()
	case *server:
		return x.onTraffic(c)
	}
	return gnet.Close
}

// OnClose tears down a client or a server.
func (e *Engine) OnClose(c gnet.Conn, err error) gnet.Action {
	switch x := c.Context().(type) {
	case *client:
		x.onClose(err)
	case *server:
		x.onClose(c, err)
	}
	return gnet.None
}

// Shutdown stops taking clients, lets transactions in flight finish within
// shutdown_timeout, closes everyone and stops the loops.
func (e *Engine) Shutdown(ctx context.Context) error {
	if !e.shutdown.CompareAndSwap(false, true) {
		return errors.New("cannot shut down: already shutting down")
	}
	timeout := e.cfg.Load().General.ShutdownTimeout
	e.log.Info("shutting down", "timeout", timeout)
	deadline := time.Now().Add(timeout)
	for {
		e.clients.each(func(cl *client) { cl.closeIfIdle() })
		if e.stats.linked.Load() == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			deadline = time.Now()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if n := e.stats.linked.Load(); n > 0 {
		e.log.Warn("shutdown timeout: terminating clients in a transaction", "clients", n)
	}
	e.terminateAll()
	close(e.mirrorStop)
	if e.listener != nil {
		_ = e.listener.Close()
	}
	e.pools.Load().closeAll()
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return e.eng.Stop(stopCtx)
}

// terminateAll ends every client left at the end of a shutdown, each with
// FATAL 57P01 as PostgreSQL's own shutdown does, and waits until every
// loop did (a loop that does not answer within a second is not waited for).
func (e *Engine) terminateAll() {
	e.loopsMu.Lock()
	loops := append([]*loopState(nil), e.loops...)
	e.loopsMu.Unlock()
	done := make(chan struct{}, len(loops))
	for _, ls := range loops {
		ls.run(func() {
			for _, cl := range ls.clientList() {
				cl.terminate()
			}
			done <- struct{}{}
		})
	}
	timeout := time.After(time.Second)
	for range loops {
		select {
		case <-done:
		case <-timeout:
			return
		}
	}
}
