// Package engine is pgdogd's reactor: gnet event loops, client and server state machines, and the pools.
//
// # Loops, clients and servers
//
// gnet runs `workers` event loops. A client connection is accepted onto one
// loop (least connections first) and stays there. A server connection is
// dialed and authenticated by a goroutine (with connect_timeout), then
// enrolled on the loop of the client that needs it. Forwarding therefore
// never leaves the loop: the client's frames are peeked from gnet's read
// buffer, bounds-checked in place and written to the server in one
// synchronous write, and the server's replies travel back the same way. No
// copy, no task queue, no lock per message. Only the frames pgdogd must read
// (ReadyForQuery, ParameterStatus, Terminate) are looked at; the rest is
// streamed, so a frame larger than gnet's read buffer never has to be held
// whole.
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
