// Package mirror holds the pieces of traffic mirroring that do not depend on the engine:
// the per-client queue, the layout of a captured transaction, and its timed replay.
//
// # Flow
//
// A client's event loop records each request of a sampled transaction, as it
// forwards it to the source, into one pooled buffer (package bufpool): a
// record is the request's bytes and its offset from the transaction's first
// request (record.go). When the source reports the transaction over, the
// buffer is retained once per mirror and pushed on the client's Ring for
// that mirror: one copy of the bytes however many mirrors. A full ring drops
// the whole transaction (counted as queue_full); the client never waits.
// One goroutine per (client, mirror) pops transactions in order and replays
// them on a connection of the destination's pool (replay.go), each request at
// its recorded offset from the start of its replay; a late replay sends at
// once, so lateness never accumulates. Replies are read and discarded;
// ErrorResponses are counted. A goroutine whose ring is empty sleeps on a
// channel (no polling) and exits once the client is gone and its ring
// drained.
//
// # Memory bound
//
// What mirroring can hold at once is bounded by
//
//	clients × mirrors × queue_length × mirror_max_transaction_size
//
// plus one transaction being recorded per client. A transaction that grows
// past mirror_max_transaction_size while it is recorded is released at once
// and counted as too_large; it is never buffered without bound. With the
// defaults (queue_length 128, mirror_max_transaction_size 4 MiB) that is
// 512 MiB per client and mirror in the worst case, where every queued
// transaction is as large as allowed; a queue of typical OLTP transactions
// (a few hundred bytes each, in 256-byte or 512-byte buffers) holds about
// 64 KiB per client and mirror. Lower queue_length or
// mirror_max_transaction_size where many clients mirror large transactions.
package mirror
