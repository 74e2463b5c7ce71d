// startup.go holds a client's startup: the first packet, authentication, and the greeting after it.

package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/session"
)

// tlsRecordHandshake starts a TLS handshake record: a client negotiating
// TLS directly (PostgreSQL 17's sslnegotiation=direct) sends it first.
const tlsRecordHandshake = 0x16

// readStartup parses the first packet of a connection.
func (cl *client) readStartup() gnet.Action {
	buf, _ := cl.conn.Peek(-1)
	if len(buf) > 0 && buf[0] == tlsRecordHandshake && cl.tls == nil {
		if cfg := cl.e.tlsClients.Load(); cfg != nil {
			return cl.startTLS(cfg, buf)
		}
	}
	st, n, err := codec.ParseStartup(buf)
	if errors.Is(err, codec.ErrNoUser) {
		cl.fatal(codec.CodeInvalidAuthSpec, "no PostgreSQL user name specified in startup packet")
		return gnet.None
	}
	if err != nil {
		return cl.violation(fmt.Sprintf("invalid startup packet: %v", err))
	}
	if n == 0 {
		return gnet.None
	}
	codec.Consume(cl.conn, n)
	switch st.Kind {
	case codec.SSLRequest:
		// TLS when configured, before anything else (bytes sent before our
		// answer would be read as if encrypted: refused).
		if len(buf) > n {
			return cl.violation("unexpected data after SSL or GSS encryption request")
		}
		if cl.tls != nil {
			return cl.violation("SSL request on a connection already encrypted")
		}
		if cfg := cl.e.tlsClients.Load(); cfg != nil {
			return cl.startTLS(cfg, nil)
		}
		_, _ = cl.conn.Write([]byte{'N'})
		return gnet.None
	case codec.GSSENCRequest:
		// No GSSAPI encryption: refused, the client may go on in plaintext or TLS.
		if len(buf) > n {
			return cl.violation("unexpected data after SSL or GSS encryption request")
		}
		_, _ = cl.conn.Write([]byte{'N'})
		return gnet.None
	case codec.CancelRequest:
		// Forwarded to the server running the client's query, if any.
		cl.e.cancel(cancelKeyOf(st.ProcessID, st.SecretKey))
		cl.setState(clClosed)
		return gnet.Close
	case codec.StartupMessage:
		// A login: refused during shutdown, in plaintext when TLS is
		// required, and beyond max_client_connections.
		if refused := cl.refuseStartup(&st); refused {
			return gnet.None
		}
		return cl.startup(&st)
	}
	return cl.violation("unsupported startup packet")
}

// refuseStartup answers a startup pgdogd will not serve now, and reports whether it did.
func (cl *client) refuseStartup(st *codec.Startup) bool {
	g := &cl.e.cfg.Load().General
	switch {
	case cl.e.shutdown.Load():
		cl.fatal(codec.CodeCannotConnectNow, "the database system is shutting down")
	case g.TLSClientRequired && cl.tls == nil:
		cl.fatal(codec.CodeInvalidAuthSpec, "SSL required: pgdogd accepts only TLS connections (tls_client_required)")
	case g.MaxClientConnections > 0 && cl.e.clientConns.Load() > int64(g.MaxClientConnections) &&
		databaseOf(st) != cl.e.cfg.Load().Admin.Name:
		cl.e.stats.tooManyClients.Add(1)
		cl.fatal(codec.CodeTooManyConnections, "sorry, too many clients already")
	default:
		return false
	}
	return true
}

// databaseOf is the database a startup asks for (the user's name by default).
func databaseOf(st *codec.Startup) string {
	if d := st.Get("database"); d != "" {
		return d
	}
	return st.Get("user")
}

// startup checks the database and user, records the client's settings and begins authentication.
func (cl *client) startup(st *codec.Startup) gnet.Action {
	cl.user = st.Get("user")
	cl.database = st.Get("database")
	if cl.database == "" {
		cl.database = cl.user
	}
	if r := st.Get("replication"); r != "" && r != "false" && r != "off" && r != "0" {
		cl.fatal(codec.CodeFeatureNotSupported, "replication connections are not supported by pgdogd")
		return gnet.None
	}
	if cl.database == cl.e.cfg.Load().Admin.Name {
		return cl.startAdmin()
	}
	ps := cl.e.pools.Load()
	if ps.sharded[cl.database] {
		cl.fatal(codec.CodeFeatureNotSupported, fmt.Sprintf("database %q is sharded; pgdogd does not shard", cl.database))
		return gnet.None
	}
	if !ps.hasDatabase(cl.database) {
		cl.fatal(codec.CodeInvalidCatalog, fmt.Sprintf("database %q does not exist", cl.database))
		return gnet.None
	}
	if err := cl.readParams(st); err != nil {
		cl.fatal(codec.CodeInvalidParameterValue, err.Error())
		return gnet.None
	}
	out := cl.loop.scratch[:0]
	if st.NeedsNegotiation() { // a newer minor than 3.2, or _pq_ options pgdogd does not know (all of them)
		out = codec.AppendNegotiateProtocolVersion(out, uint32(min(st.Minor, codec.LatestMinor)), st.ProtocolOptions())
	}
	cl.pool = ps.get(cl.user, cl.database)
	return cl.beginAuth(out)
}

// beginAuth starts the password conversation the configuration asks for
// (passthrough's, or auth_type's against the pool's passwords), after out.
func (cl *client) beginAuth(out []byte) gnet.Action {
	cl.rd = codec.NewWalker(maxAuthMessage, codec.AllTypes)
	g := &cl.e.cfg.Load().General
	method := auth.Method(g.AuthType)
	if on, _ := g.Passthrough(); on {
		cl.x = auth.NewPassthrough(cl.user)
	} else if cl.pool == nil && method == auth.MethodTrust {
		cl.fatal(codec.CodeInvalidPassword, fmt.Sprintf("password authentication failed for user %q", cl.user))
		return gnet.None
	} else {
		var secrets auth.Secrets
		if cl.pool != nil {
			secrets = cl.pool.secrets
		}
		cl.x = auth.NewExchangeAny(method, cl.user, secrets, cl.pool != nil)
	}
	out, done := cl.x.Begin(out)
	cl.setState(clAuth)
	if done {
		cl.authenticated(out)
		return gnet.None
	}
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	return gnet.None
}

// readParams records the settings a client sends at startup, options included.
func (cl *client) readParams(st *codec.Startup) error {
	for _, p := range st.Params {
		switch {
		case p.Name == "user" || p.Name == "database" || p.Name == "replication":
		case strings.HasPrefix(p.Name, "_pq_."):
		case p.Name == "options":
			opts, ok := session.ParseOptions(p.Value)
			if !ok {
				return fmt.Errorf("invalid options startup parameter %q: only -c name=value and --name=value are accepted", p.Value)
			}
			for _, o := range opts {
				cl.params = cl.params.Set(o.Name, o.Value)
			}
		default:
			if session.IsReadOnly(strings.ToLower(p.Name)) {
				return fmt.Errorf("parameter %q cannot be set", p.Name)
			}
			cl.params = cl.params.Set(p.Name, p.Value)
		}
	}
	return nil
}

// readAuth feeds one password or SASL message to the exchange.
func (cl *client) readAuth() gnet.Action {
	if cl.x == nil { // PostgreSQL is checking a passthrough password: leave the bytes
		if cl.conn.InboundBuffered() > maxAuthMessage {
			return cl.violation("too much data sent during authentication")
		}
		return gnet.None
	}
	buf, _ := cl.conn.Peek(-1)
	p, err := cl.rd.Next(buf)
	if err != nil {
		return cl.violation(fmt.Sprintf("invalid authentication message: %v", err))
	}
	if len(p.Bytes) == 0 {
		return gnet.None
	}
	if p.Type != codec.MsgPassword {
		return cl.violation(fmt.Sprintf("expected password response, got message type %d", p.Type))
	}
	out, done, err := cl.x.Step(cl.loop.scratch[:0], p.Body())
	codec.Consume(cl.conn, p.Size)
	if err != nil {
		if errors.Is(err, auth.ErrProtocol) {
			return cl.violation(fmt.Sprintf("invalid authentication message: %v", err))
		}
		cl.authFailed()
		return gnet.None
	}
	if done && cl.x.Password() != nil {
		cl.passthroughLogin(cl.x.Password())
		return gnet.None
	}
	if done {
		cl.authenticated(out)
		return gnet.None
	}
	if len(out) > 0 {
		_, _ = cl.conn.Write(out)
		cl.loop.scratch = out[:0]
	}
	return gnet.None
}

// authFailed answers a failed authentication as PostgreSQL does, and closes.
func (cl *client) authFailed() {
	cl.e.stats.authFailures.Add(1)
	cl.fatal(codec.CodeInvalidPassword, fmt.Sprintf("password authentication failed for user %q", cl.user))
}

// maxAuthMessage bounds a password or SASL message (PostgreSQL allows 64 KiB less a little).
const maxAuthMessage = 65536

// authenticated sends out (the exchange's last message, if any) and
// AuthenticationOk, with the greeting in the same write when the pool
// already knows its servers' parameters.
func (cl *client) authenticated(out []byte) {
	cl.x = nil
	cl.e.clients.add(cl)
	out = codec.AppendAuthOK(out)
	if cl.admin {
		cl.readyAdmin(out)
		return
	}
	if cl.pool == nil {
		panic("BUG: authenticated a client without a pool")
	}
	cl.seq = cl.e.logins.Add(1)
	cl.txMode = cl.pool.cfg.mode != config.ModeSession
	cl.stmtsOn = cl.txMode && cl.e.cfg.Load().General.PreparedStatements != config.PreparedDisabled
	cl.rd = codec.NewWalker(cl.e.maxMessage(), clientWhole) // statements are read for what they change
	cl.params = cl.pool.cfg.defaults.apply(cl.params)       // the user's defaults, as startup settings
	cl.startupKey = cl.params.Key()
	cl.chosen = cl.params.Clone()
	if spelled, ok := cl.pool.validated(cl.startupKey); ok {
		cl.params = cl.params.Adopt(spelled) // reported as the server reports them
		cl.ready(out)
		cl.setState(clIdle)
		return
	}
	// A server must see the settings first: one it refuses is the
	// client's FATAL, as PostgreSQL would refuse the connection.
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	cl.setState(clParams)
	if s := cl.pool.checkout(cl); s != nil {
		cl.serve(s)
	}
}

// ready appends ParameterStatus (the server's values, overridden by the
// client's own), BackendKeyData and ReadyForQuery to b, and writes it.
func (cl *client) ready(b []byte) {
	defs := cl.pool.params()
	for _, d := range defs {
		v := d.Value
		if own, ok := cl.params.Get(d.Name); ok {
			v = own
		}
		b = codec.AppendParameterStatus(b, d.Display, v)
	}
	for _, p := range cl.params {
		if p.Reported && !defs.Has(p.Name) {
			b = codec.AppendParameterStatus(b, p.Display, p.Value)
		}
	}
	b = codec.AppendBackendKeyData(b, cl.key.pid, cl.key.secret[:])
	b = codec.AppendReadyForQuery(b, 'I')
	_, _ = cl.conn.Write(b)
	cl.loop.scratch = b[:0]
	cl.quiet(time.Now(), codec.TxIdle)
}

// startAdmin begins an admin console login: always with a password, even under trust.
func (cl *client) startAdmin() gnet.Action {
	adm := cl.e.cfg.Load().Admin
	cl.admin = true
	cl.rd = codec.NewWalker(maxAuthMessage, codec.AllTypes) // console commands are read whole
	method := auth.Method(cl.e.cfg.Load().General.AuthType)
	if method == auth.MethodTrust {
		method = auth.MethodSCRAM
	}
	cl.x = auth.NewExchange(method, cl.user, cl.e.adminSecret, cl.user == adm.User)
	out, _ := cl.x.Begin(cl.loop.scratch[:0])
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	cl.setState(clAuth)
	return gnet.None
}

// readyAdmin appends the admin console's greeting to b and writes it.
func (cl *client) readyAdmin(b []byte) {
	b = codec.AppendParameterStatus(b, "server_version", "15.0 (pgdogd "+Version+")")
	b = codec.AppendParameterStatus(b, "server_encoding", "UTF8")
	b = codec.AppendParameterStatus(b, "client_encoding", "UTF8")
	b = codec.AppendParameterStatus(b, "DateStyle", "ISO, MDY")
	b = codec.AppendParameterStatus(b, "integer_datetimes", "on")
	b = codec.AppendParameterStatus(b, "standard_conforming_strings", "on")
	b = codec.AppendBackendKeyData(b, cl.key.pid, cl.key.secret[:])
	b = codec.AppendReadyForQuery(b, 'I')
	_, _ = cl.conn.Write(b)
	cl.loop.scratch = b[:0]
	cl.setState(clAdmin)
}
