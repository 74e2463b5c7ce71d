// budget.go holds the process-wide memory budget of mirroring (mirror_memory_limit): its limit, and giving memory back after a burst.

package mirroring

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pgdogd/pgdogd/bufpool"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/mirror"
)

// Memory is charged with the capacity of every captured transaction's buffer, from the
// start of its recording until the last mirror releases it (bufpool.GetMetered): the bytes
// all mirror queues of the process hold, waiting or being replayed, and the recordings in
// progress. It is one for the whole process, as the memory is.
var Memory = bufpool.NewMeter(config.DefaultMirrorMemoryLimit)

// mirrorBudget is how Memory's limit follows the configuration.
var mirrorBudget struct {
	seen     atomic.Pointer[config.Config] // the configuration the limit was last computed from
	mu       sync.Mutex                    // serialises computing it
	logged   bool                          // the limit was logged once (under mu)
	trimming atomic.Bool                   // a trim is scheduled or ran less than trimEvery ago
}

// ReadAvailable reads the memory the process may use (the machine's or its
// cgroup's); tests substitute it, then call Forget.
var ReadAvailable = func() (mirror.Available, error) { return mirror.ReadAvailable("/") }

// Forget makes the next Check compute the limit again, whatever the configuration.
func Forget() { mirrorBudget.seen.Store(nil) }

// Check recomputes the limit when the configuration changed (RELOAD, SET) since
// it was last computed. Two atomic loads when it did not.
func Check(log *slog.Logger, cfg *config.Config) {
	if mirrorBudget.seen.Load() != cfg {
		Apply(log, cfg)
	}
}

// Apply sets the limit to mirror_memory_limit, capped at a quarter of the memory
// the machine or the process's cgroup has (read again each time), and logs the limit in
// force when it changed. It has the shape of a runtime setting's apply.
func Apply(log *slog.Logger, cfg *config.Config) {
	mirrorBudget.mu.Lock()
	defer mirrorBudget.mu.Unlock()
	if mirrorBudget.seen.Load() == cfg {
		return
	}
	avail, err := ReadAvailable()
	configured := int64(cfg.General.MirrorMemoryLimit)
	limit := mirror.MemoryLimit(configured, avail)
	old := Memory.Limit()
	Memory.SetLimit(limit)
	mirrorBudget.seen.Store(cfg)
	if err != nil {
		log.Warn("cannot read the memory available; mirror_memory_limit is not capped", "err", err)
	}
	if !mirrorBudget.logged || old != limit {
		mirrorBudget.logged = true
		log.Info("mirror memory limit", "bytes", limit, "mirror_memory_limit", configured,
			"available", avail.Bytes, "available_from", avail.Source)
	}
}

// After a burst, idle pooled buffers are given back to the OS: once the bytes held have
// fallen to a quarter of their peak, the peak being at least trimMinFreed above, trimDelay
// later if that still holds; at most once per trimEvery.
const (
	trimMinFreed = 8 << 20
	trimDelay    = time.Second
	trimEvery    = 5 * time.Second
)

// burstOver reports whether the bytes held fell far enough below their peak to trim.
func burstOver(m *bufpool.Meter) bool {
	u, p := m.Used(), m.Peak()
	return p-u >= trimMinFreed && u <= p/4
}

// MaybeTrim runs after a mirror released a transaction: it schedules a trim when
// a burst is over. Two atomic loads when it is not.
func MaybeTrim(log *slog.Logger) {
	if burstOver(Memory) && mirrorBudget.trimming.CompareAndSwap(false, true) {
		go trim(log, Memory, bufpool.ReleaseIdle, trimDelay, trimEvery)
	}
}

// trim waits delay and, if the burst is still over, releases the idle buffers
// (release) and starts a new peak; it clears the trimming flag at once when the burst goes
// on, else every after it started, so that trims stay rare.
func trim(log *slog.Logger, m *bufpool.Meter, release func(), delay, every time.Duration) {
	start := time.Now()
	time.Sleep(delay)
	if !burstOver(m) {
		mirrorBudget.trimming.Store(false) // busy again: its buffers are in use
		return
	}
	peak := m.Peak()
	m.ResetPeak()
	t0 := time.Now()
	release()
	log.Debug("mirror buffers idle after a burst given back to the OS", "peak_bytes", peak,
		"held_bytes", m.Used(), "took", time.Since(t0))
	time.Sleep(every - time.Since(start))
	mirrorBudget.trimming.Store(false)
}
