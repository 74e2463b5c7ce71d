// Package mirroring holds the parts of traffic mirroring that are not a
// connection: why a transaction is not replayed (DropReason), the replay
// lag histogram, and the process-wide memory budget of the mirror queues
// (mirror_memory_limit, capped by the memory available, and the giving back
// of idle buffers after a burst).
//
// The capture of a client's transactions and their replay on destination
// pools live in the engine, which owns clients and pools; the queue and the
// replayer they use are in the top-level package mirror.
package mirroring
