//go:build !race

// alloc_test.go checks that the steady state allocates nothing and that pools reuse buffers
// (the race detector makes sync.Pool drop items at random, so these run without it).

package bufpool

import (
	"testing"
	"unsafe"
)

func TestSteadyStateZeroAlloc(t *testing.T) {
	frame := make([]byte, 700)
	for _, size := range []int{512, 16 << 10, 1 << 20} {
		// Warm the pools of every class the loop touches.
		Get(size).Release()
		Get(2 * size).Release()
		allocs := testing.AllocsPerRun(200, func() {
			b := Get(size)
			for b.Len() < size+1 {
				b.Append(frame...) // crosses into the next class once
			}
			b.AppendString("x")
			b.Retain()
			b.Retain()
			b.Release()
			b.Release()
			b.Release()
		})
		if allocs != 0 {
			t.Errorf("size %d: %v allocations per run, want 0", size, allocs)
		}
	}
}

// TestMeteredSteadyStateZeroAlloc: charging a meter and growing within it allocate nothing.
func TestMeteredSteadyStateZeroAlloc(t *testing.T) {
	m := NewMeter(64 << 20)
	frame := make([]byte, 700)
	for _, size := range []int{512, 16 << 10, 1 << 20} {
		GetMetered(size, m).Release()
		GetMetered(2*size, m).Release()
		allocs := testing.AllocsPerRun(200, func() {
			b := GetMetered(size, m)
			for b.Len() < size+1 {
				if !b.TryGrow(len(frame)) {
					t.Fatal("TryGrow refused within the limit")
				}
				b.Append(frame...) // crosses into the next class once
			}
			b.Retain()
			b.Release()
			b.Release()
		})
		if allocs != 0 || m.Used() != 0 {
			t.Errorf("size %d: %v allocations per run, %d bytes left charged; want 0 and 0", size, allocs, m.Used())
		}
	}
}

func TestPooledArrayReused(t *testing.T) {
	reused := false
	for range 10 {
		b := Get(3000)
		p := unsafe.SliceData(b.Bytes()[:1])
		b.Release()
		c := Get(4096)
		reused = reused || unsafe.SliceData(c.Bytes()[:1]) == p
		c.Release()
	}
	if !reused {
		t.Fatal("a released pooled buffer was never handed out again")
	}
}
