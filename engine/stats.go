// stats.go holds the engine-wide counters of rare events (connects, failures, migrations, pauses).

package engine

import (
	"sync/atomic"

	"github.com/pgdogd/pgdogd/engine/session"
)

// Stats are counted with atomics: none of them is bumped per message.
type Stats struct {
	clientsOpened, clientsClosed atomic.Int64
	serversOpened, serversClosed atomic.Int64
	linked                       atomic.Int64 // clients holding a server right now
	migrations                   atomic.Int64
	checkoutTimeouts             atomic.Int64
	connectFailures              atomic.Int64
	authFailures                 atomic.Int64
	protocolErrors               atomic.Int64
	dirtyClosed                  atomic.Int64 // servers closed because their client left mid-transaction
	cancelsForwarded             atomic.Int64
	cancelsIgnored               atomic.Int64
	pauses                       atomic.Int64                  // server reads paused for a slow client
	pins                         [session.NumPins]atomic.Int64 // clients pinned to their server, by kind of session state
	acceptErrors                 atomic.Int64                  // accepts (or enrolments) that failed for want of descriptors or memory
	tooManyClients               atomic.Int64                  // startups refused beyond max_client_connections
	loginTimeouts                atomic.Int64                  // clients closed at client_login_timeout
	idleTimeouts                 atomic.Int64                  // clients closed at client_idle_timeout
	idleTxTimeouts               atomic.Int64                  // clients closed at client_idle_in_transaction_timeout
	tlsHandshakes, tlsFailures   atomic.Int64                  // client TLS handshakes done and failed
}

// statEvent is one counter with the name the metrics endpoint gives it.
type statEvent struct {
	name string
	n    *atomic.Int64
}

// events lists the counters of events (not linked, which is a level).
func (s *Stats) events() []statEvent {
	return []statEvent{
		{"client_opened", &s.clientsOpened}, {"client_closed", &s.clientsClosed},
		{"server_opened", &s.serversOpened}, {"server_closed", &s.serversClosed},
		{"server_migrated", &s.migrations}, {"checkout_timeout", &s.checkoutTimeouts},
		{"connect_failure", &s.connectFailures}, {"auth_failure", &s.authFailures},
		{"protocol_error", &s.protocolErrors}, {"dirty_server_closed", &s.dirtyClosed},
		{"cancel_forwarded", &s.cancelsForwarded}, {"cancel_ignored", &s.cancelsIgnored},
		{"server_read_paused", &s.pauses},
		{"accept_error", &s.acceptErrors}, {"client_refused_too_many", &s.tooManyClients},
		{"client_login_timeout", &s.loginTimeouts}, {"client_idle_timeout", &s.idleTimeouts},
		{"client_idle_in_transaction_timeout", &s.idleTxTimeouts},
		{"tls_handshake", &s.tlsHandshakes}, {"tls_handshake_failure", &s.tlsFailures},
	}
}
