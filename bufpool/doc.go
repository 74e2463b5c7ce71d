// Package bufpool holds pooled, reference-counted byte buffers in power-of-two size classes.
//
// A Buf carries a copy of some bytes (for mirroring: one transaction's frames) that several
// goroutines read at once. Instead of one copy per reader, the bytes are copied once into a
// Buf and every reader holds a reference; the last Release returns the Buf to its pool.
//
// # Size classes
//
// Buffers come in power-of-two capacities from MinPooled (256 B) to MaxPooled (4 MiB). Each
// class has its own sync.Pool of *Buf, each *Buf keeping its backing array, so a Get, an
// Append that stays within its capacity and the last Release allocate nothing once the pool
// is warm. A request above MaxPooled gets a buffer of exactly that size, which is never kept:
// its last Release leaves it to the garbage collector.
//
// # Metering
//
// A Meter is a byte budget shared by many buffers (mirroring's mirror_memory_limit).
// GetMetered charges a new Buf's capacity to it, or returns nil when that does not fit;
// TryGrow charges the larger capacity before growing, or refuses and changes nothing, so
// that what would not fit is never copied; the last Release credits the capacity back,
// whichever goroutine runs it. The charge is always the capacity of the backing array:
// Append and Grow, which cannot refuse, charge their growth even beyond the limit.
// Charging is a compare-and-swap on one counter: no lock and no allocation.
//
// # Giving memory back
//
// Pooled buffers are dropped only when garbage collections run (a sync.Pool keeps its items
// through one), and a process that went idle after a burst collects rarely: the memory of a
// burst of large buffers would stay resident for minutes. ReleaseIdle drops the idle buffers
// and returns the freed memory to the OS at once; run it after a burst, not routinely.
//
// # Ownership
//
//   - Get returns a Buf with one reference, owned by the caller.
//   - Each owner releases its reference exactly once. Retain makes one more owner, typically
//     right before handing the Buf to another goroutine (for instance pushing it on a queue):
//     the reference then belongs to the receiver, which releases it when done.
//   - Only the sole owner (Refs() == 1) may write to a Buf (Append, AppendString, Grow,
//     TryGrow, Reset). Once shared, a Buf is read-only; readers need no further
//     synchronisation because the hand-off itself (channel, atomic queue) orders the writes
//     before the reads.
//   - The slice returned by Bytes is valid until its holder releases its reference, and (for
//     the sole owner) until its next Append, AppendString, Grow or Reset, which may move the
//     contents to a larger buffer. Never keep it past the Release.
//   - Retain of a Buf whose count is already zero, and a Release past zero, panic: both are
//     bugs. A stale reference used after its Buf was handed out again by Get cannot be
//     detected, so treat a released *Buf like freed memory.
package bufpool
