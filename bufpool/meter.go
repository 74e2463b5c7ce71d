// meter.go holds Meter, a byte budget that metered buffers are charged to by capacity.

package bufpool

import "sync/atomic"

// Meter is a budget of bytes shared by many buffers. A metered Buf is charged its capacity
// when it is made (GetMetered) and each time it grows (TryGrow), and credited that capacity
// back by its last Release, whichever goroutine that runs on. All methods are safe for
// concurrent use; charging and crediting are lock-free.
type Meter struct {
	limit atomic.Int64
	used  atomic.Int64
	peak  atomic.Int64 // highest used since the last ResetPeak
}

// NewMeter returns a Meter allowing limit bytes.
func NewMeter(limit int64) *Meter {
	m := &Meter{}
	m.limit.Store(limit)
	return m
}

// SetLimit changes the budget. Lowering it below Used takes nothing back: charges fail until
// enough is released.
func (m *Meter) SetLimit(limit int64) { m.limit.Store(limit) }

// Limit returns the budget in bytes.
func (m *Meter) Limit() int64 { return m.limit.Load() }

// Used returns the bytes charged now.
func (m *Meter) Used() int64 { return m.used.Load() }

// Peak returns the highest Used since the last ResetPeak.
func (m *Meter) Peak() int64 { return m.peak.Load() }

// ResetPeak makes the current use the peak.
func (m *Meter) ResetPeak() { m.peak.Store(m.used.Load()) }

// charge adds n bytes when they fit within the limit; false charges nothing.
func (m *Meter) charge(n int64) bool {
	for {
		u := m.used.Load()
		if u+n > m.limit.Load() {
			return false
		}
		if m.used.CompareAndSwap(u, u+n) {
			m.notePeak(u + n)
			return true
		}
	}
}

// notePeak raises the peak to u. The peak is usually higher already: one load.
func (m *Meter) notePeak(u int64) {
	for {
		p := m.peak.Load()
		if u <= p || m.peak.CompareAndSwap(p, u) {
			return
		}
	}
}

// credit gives back n bytes.
func (m *Meter) credit(n int64) {
	if m.used.Add(-n) < 0 {
		panic("BUG: bufpool: meter credited more than it was charged")
	}
}

// force charges n bytes even beyond the limit (growth through Grow, which cannot refuse).
func (m *Meter) force(n int64) { m.notePeak(m.used.Add(n)) }
