// idle.go holds ReleaseIdle, which gives the memory of idle pooled buffers back to the OS.

package bufpool

import (
	"runtime"
	"runtime/debug"
)

// ReleaseIdle drops the buffers idle in the pools and returns the freed memory to the
// operating system. A sync.Pool keeps its items through one garbage collection (they move to
// its victim cache) and drops them at the next, so this runs one collection and then
// debug.FreeOSMemory (a second collection and a scavenge of every free page). Buffers in use
// are untouched; the pools refill as buffers are released again.
//
// It costs two collections of the whole heap (a few milliseconds of CPU on a small heap, the
// world stopped only briefly): run it after a burst, not routinely. Without it, pooled buffers
// are dropped only when collections happen, and an idle process collects every two minutes.
func ReleaseIdle() {
	runtime.GC()
	debug.FreeOSMemory()
}
