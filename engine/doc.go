// Package engine is pgdogd's reactor: gnet event loops, client and server
// state machines, the link between them, the pools' servers and waiters,
// cancel, backpressure and pause. It exports a read-only Snapshot and a
// Control interface for the admin console and the metrics, which live in
// packages of their own.
//
// # Packages
//
// Data flows one way: bytes come in through the reactor, which uses the
// packages below it and is observed by the packages above it. No package
// imports one above it:
//
//	cmd/pgdogd            wires the engine, the console and the metrics
//	engine/admin          the console: parser, commands (Snapshot, Control)
//	engine/metrics        the Prometheus endpoint (Snapshot)
//	engine                the reactor: loops, clients, servers, links, pools
//	engine/session        settings and pinned state: values and SQL text
//	engine/prepared       statement cache, server views, the mirror's rewrite
//	engine/backend        dial, TLS and login to PostgreSQL
//	engine/mirroring      drop reasons, replay lag, the mirror memory budget
//	engine/pool           the waiter choice and the per-loop idle stacks
//	engine/config, engine/auth, engine/tlsedge, mirror, codec, codec/sqlscan, bufpool
//
// # Loops, clients and servers
//
// gnet runs `workers` event loops. pgdogd accepts clients on its own
// listener (accept.go) and enrolls each on the least busy loop, where it
// stays; a TLS client is handshaken off the loop and reaches it through a
// socketpair relay (tls.go). A server connection is dialed and logged in by
// a goroutine (engine/backend, within connect_timeout), then enrolled on
// the loop of the client that needs it. Forwarding therefore never leaves
// the loop: the client's frames are peeked from gnet's read buffer,
// bounds-checked in place and written to the server in one synchronous
// write, and the server's replies travel back the same way. No copy, no
// task queue, no lock per message. Only the frames pgdogd must read
// (ReadyForQuery, ParameterStatus, ErrorResponse, Terminate, and the
// extended protocol's frames when prepared statements are on) are looked
// at; the rest is streamed, so a frame larger than gnet's read buffer never
// has to be held whole.
//
// With prepared_statements = "extended" (the default), the client's Parse,
// Bind, Describe and Close of named statements are rewritten on their way:
// a statement reaches servers under one shared name per distinct query
// ("__pgdogd_<id>", engine/prepared), a Parse the server already has is
// answered by pgdogd, a Bind of a statement the server lacks is preceded by
// its Parse, DEALLOCATE of a client's name becomes DEALLOCATE of a
// placeholder, and errors naming a shared name are rewritten with the
// client's (prepared_conn.go, prepared_drop.go, prepared_names.go). Only
// then are bytes copied: into the loop's buffer, once per request.
//
// # Frames and links
//
// Every read of protocol frames goes through codec.Walker: the client's
// requests, the server's replies, the admin console, the mirror's level
// filter and prepared-statement rewrite. A walker returns whole frames for
// the few types the reader must look at and streams the rest in pieces, so
// a frame may be split across any number of reads; consumed bytes leave
// gnet's buffer only through codec.Consume, never with gnet's Discard(0),
// which empties the whole buffer.
//
// Each server has one link (link.go): the state of its conversation,
// written from both directions on the server's loop. It counts the sync
// points sent (Query, Sync, FunctionCall) and answered (ReadyForQuery),
// and knows which of them are pgdogd's own (settings sync, evictions,
// statement clean-up), whose replies are hidden; it holds the queues of
// ParseComplete, CloseComplete and DEALLOCATE replies to hide or act on,
// the transaction status, the COPY sub-state and the cancels in flight.
// link.idle() alone decides whether a server may go to another client: no
// reply owed, no batch open, no COPY, no transaction, and no frame
// half-read from the server or half-written from the client.
//
// # How pools are split across loops
//
// A pool is one (user, database) pair with a single size limit. Its servers
// are not pinned to a loop share: each server lives on the loop where it was
// last needed, and the pool keeps one idle stack per loop under the pool's
// mutex (taken once per checkout and once per release, never per message).
//
// A client on loop L that needs a server:
//  1. takes an idle server of loop L (the fast path, no syscall);
//  2. otherwise takes a server another loop has left idle for longer than
//     pool.CrossLoopAfter, by migration (below), rather than open one more;
//  3. otherwise, when the pool is below its size, dials a new server for L;
//  4. otherwise waits in the pool's FIFO queue.
//
// A server released on loop L goes to the oldest waiter of L. It goes to
// the oldest waiter of another loop instead when that one has waited more
// than twice as long as L's oldest plus pool.CrossLoopAfter (2 ms), or longer
// than pool.CrossLoopAfter when L has no waiter. It moves by migration: on L the
// socket is dup'ed and dropped from L's poller (no FIN is sent, the
// PostgreSQL session is untouched), and the duplicate is enrolled on the
// waiter's loop. A waiter that sees idle servers on other loops arms a
// rebalance timer, which migrates one to it once it has waited
// pool.CrossLoopAfter.
//
// So a client can wait while an idle server sits on another loop, but for
// at most pool.CrossLoopAfter (plus timer slop): waiting that long is usually
// cheaper than a migration, because a busy loop frees its own servers
// within one transaction, and it keeps servers from ping-ponging between
// loops under load. checkout_timeout bounds every wait; the client then
// receives an ErrorResponse and is closed.
//
// # Transaction and session mode
//
// In transaction mode a server is linked at a transaction's first message and
// released when its link is idle (see above): it has answered every Query,
// Sync and FunctionCall the client sent (pipelining-safe), no
// Parse/Bind/Execute is left unsynced, and its ReadyForQuery says idle. The client's startup parameters are applied to the
// server at link time with one SET query whose replies are swallowed. In
// session mode the server stays linked until the client leaves, then runs
// DISCARD ALL before going back to the pool. A server left mid-transaction by
// a departing client is closed, never pooled.
package engine
