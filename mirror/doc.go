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
// All the mirror queues of the process hold at most mirror_memory_limit bytes together
// (default 256 MiB, and never more than a quarter of the memory of the machine or of the
// process's cgroup, see memlimit.go): each captured transaction's buffer is charged, by its
// capacity, to one process-wide meter (bufpool.Meter) from the start of its recording until
// the last mirror releases it. Room for each request, and for the rest of a frame whose
// header announces more, is charged before the request is copied; a transaction that does
// not fit is given up there, counted as dropped for memory, and the client goes on as ever.
// So the bound covers what waits in the queues, what is being replayed and what is being
// recorded. Per queue, queue_length and mirror_max_transaction_size still apply.
//
// A replay copies no transaction whole: it writes the requests in pieces of at most 64 KiB
// (a frame at a time, a larger frame 64 KiB at a time), so a mirror goroutine keeps about
// 64 KiB for writing and 64 KiB for reading whatever it replayed.
//
// After a burst (the bytes held fell to a quarter of a peak at least 8 MiB above), the idle
// pooled buffers are given back to the OS (bufpool.ReleaseIdle), a second after the queues
// drained and at most every five seconds: pgdogd's resident memory falls back to what it was
// before the burst instead of keeping the peak until the garbage collector runs.
package mirror
