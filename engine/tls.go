// tls.go holds TLS at pgdogd's edges: a client's socket leaves its loop for
// the handshake and comes back as the plaintext end of a relay; servers are
// logged in to with tls_verify's settings.
//
// A TLS client costs two relay goroutines and a socketpair besides its
// socket: the loop reads and writes plaintext on the pair exactly as on a
// TCP client, so pooling, forwarding and every test are the same.

package engine

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/tlsedge"
)

// tlsPeer is what a relayed client's TCP connection was; it travels as the
// context of the relay's enrolment.
type tlsPeer struct {
	remote, local net.Addr
	since         time.Time // the TCP connection's accept: the login timeout counts from it
	version       uint16    // the negotiated TLS version
}

// serverTLS returns how servers are logged in to.
func (e *Engine) serverTLS() *backend.TLS {
	if st := e.tlsServers.Load(); st != nil {
		return st
	}
	return backend.NoTLS // an Engine that New did not build (unit tests)
}

// loadTLS reads the certificates and keys cfg names; RELOAD and SIGHUP
// call it again, so renewed files take effect for new connections.
func (e *Engine) loadTLS(cfg *config.Config) error {
	g := &cfg.General
	clients, err := tlsedge.ServerConfig(tlsedge.Files{Certificate: g.TLSCertificate, PrivateKey: g.TLSPrivateKey, ClientCA: g.TLSClientCACertificate})
	if err != nil {
		return err
	}
	st, err := backend.NewTLS(tlsedge.ServerTLS{Verify: g.TLSVerify, CA: g.TLSServerCACertificate,
		Certificate: g.TLSServerCertificate, PrivateKey: g.TLSServerPrivateKey})
	if err != nil {
		return err
	}
	e.tlsClients.Store(clients)
	e.tlsServers.Store(st)
	return nil
}

// startTLS hands the client's socket to a handshake goroutine: after an
// SSLRequest (answered 'S' here) or, with head holding what was read of it,
// a direct TLS handshake. The gnet connection closes without a FIN (the
// duplicate keeps the socket); the client comes back through the relay.
func (cl *client) startTLS(cfg *tls.Config, head []byte) gnet.Action {
	fd, err := cl.conn.Dup()
	if err != nil {
		cl.e.log.Warn("cannot start TLS for a client", "err", err)
		cl.fatal(codec.CodeConnectionFailure, "cannot start TLS: "+err.Error())
		return gnet.None
	}
	direct := head != nil
	if direct {
		head = append([]byte(nil), head...) // the loop's buffer dies with this callback
		codec.Consume(cl.conn, len(head))
	} else {
		_, _ = cl.conn.Write([]byte{'S'})
	}
	peer := &tlsPeer{remote: cl.conn.RemoteAddr(), local: cl.conn.LocalAddr(), since: cl.connectedAt}
	cl.handedOff = true
	cl.setState(clClosed)
	go cl.e.handshake(fd, cfg, peer, head, direct)
	return gnet.Close
}

// handshake runs a client's TLS handshake on its own goroutine, within
// client_login_timeout from the accept, then enrolls the plaintext end of
// its relay on a loop.
func (e *Engine) handshake(fd int, cfg *tls.Config, peer *tlsPeer, head []byte, direct bool) {
	f := os.NewFile(uintptr(fd), "client")
	nc, err := net.FileConn(f)
	_ = f.Close()
	if err != nil {
		e.clientGone()
		return
	}
	if t := e.cfg.Load().General.ClientLoginTimeout; t > 0 {
		_ = nc.SetDeadline(peer.since.Add(t))
	}
	tc := tls.Server(tlsedge.Prefixed(nc, head), cfg)
	err = tc.Handshake()
	if err == nil && direct && tc.ConnectionState().NegotiatedProtocol != tlsedge.ALPN {
		err = tlsedge.ErrNoALPN
	}
	if err != nil {
		e.stats.tlsFailures.Add(1)
		e.log.Debug("client TLS handshake failed", "remote", peer.remote, "err", err)
		_ = nc.Close()
		e.clientGone()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	peer.version = tc.ConnectionState().Version
	e.stats.tlsHandshakes.Add(1)
	far, err := tlsedge.Bridge(tc, nil)
	if err != nil {
		_ = tc.Close()
		e.clientGone()
		return
	}
	ch, err := e.eng.Register(gnet.NewNetConnContext(gnet.NewContext(context.Background(), peer), far))
	if err != nil {
		_ = far.Close()
		e.clientGone()
		return
	}
	if r := <-ch; r.Err != nil { // the enrolment closed far, which ends the relay
		e.clientGone()
	}
}

// clientGone counts the end of a client connection that never reached a loop again.
func (e *Engine) clientGone() {
	e.clientConns.Add(-1)
	e.stats.clientsClosed.Add(1)
}
