// meter_test.go tests metered buffers: the charge of their capacity, its growth, its refusal at the limit and its credit at the last release.

package bufpool

import (
	"bytes"
	"sync"
	"testing"
)

func TestGetMeteredChargesCapacity(t *testing.T) {
	m := NewMeter(1 << 20)
	for _, tc := range []struct{ size, charged int }{{1, 256}, {300, 512}, {64 << 10, 64 << 10}, {MaxPooled + 1, MaxPooled + 1}} {
		m.SetLimit(int64(tc.charged))
		b := GetMetered(tc.size, m)
		if b == nil || m.Used() != int64(tc.charged) || b.Cap() != tc.charged {
			t.Fatalf("GetMetered(%d): %v, used %d, want %d charged and the same capacity", tc.size, b, m.Used(), tc.charged)
		}
		if GetMetered(1, m) != nil || m.Used() != int64(tc.charged) {
			t.Fatalf("a second buffer past the limit was given, or charged: used %d", m.Used())
		}
		b.Release()
		if m.Used() != 0 {
			t.Fatalf("GetMetered(%d) released: used %d, want 0", tc.size, m.Used())
		}
	}
}

func TestTryGrowChargesBeforeCopying(t *testing.T) {
	m := NewMeter(8 << 10)
	b := GetMetered(100, m)
	b.AppendString("hello")
	if !b.TryGrow(2000) || b.Cap() != 2048 || m.Used() != 2048 {
		t.Fatalf("TryGrow(2000): cap %d used %d, want 2048 both", b.Cap(), m.Used())
	}
	if !b.TryGrow(100) || m.Used() != 2048 {
		t.Fatalf("TryGrow within the capacity charged: used %d", m.Used())
	}
	if b.TryGrow(8<<10) || b.Cap() != 2048 || m.Used() != 2048 || string(b.Bytes()) != "hello" {
		t.Fatalf("TryGrow past the limit: cap %d used %d contents %q, want nothing changed", b.Cap(), m.Used(), b.Bytes())
	}
	if !b.TryGrow(8<<10-5) || b.Cap() != 8<<10 || m.Used() != 8<<10 || string(b.Bytes()) != "hello" {
		t.Fatalf("TryGrow to the limit: cap %d used %d contents %q", b.Cap(), m.Used(), b.Bytes())
	}
	b.Release()
	if m.Used() != 0 || m.Peak() != 8<<10 {
		t.Fatalf("after release: used %d peak %d, want 0 and %d", m.Used(), m.Peak(), 8<<10)
	}
}

// TestMeteredChargeFollowsCapacity grows metered buffers through every class and past
// MaxPooled: the charge is always the capacity, and Append may exceed the limit.
func TestMeteredChargeFollowsCapacity(t *testing.T) {
	m := NewMeter(1 << 40)
	b := GetMetered(0, m)
	chunk := bytes.Repeat([]byte{'x'}, 100<<10)
	for b.Len() < 3*MaxPooled {
		if !b.TryGrow(len(chunk)) {
			t.Fatalf("TryGrow refused below the limit at %d bytes", b.Len())
		}
		b.Append(chunk...)
		if m.Used() != int64(b.Cap()) {
			t.Fatalf("at %d bytes: charged %d, capacity %d", b.Len(), m.Used(), b.Cap())
		}
	}
	m.SetLimit(1)
	b.Append(bytes.Repeat([]byte{'y'}, b.Cap())...) // Append cannot refuse: it is charged anyway
	if m.Used() != int64(b.Cap()) || m.Used() <= m.Limit() {
		t.Fatalf("Append past the limit: charged %d, capacity %d", m.Used(), b.Cap())
	}
	b.Release()
	if m.Used() != 0 || m.Peak() < int64(3*MaxPooled) {
		t.Fatalf("after release: used %d peak %d", m.Used(), m.Peak())
	}
}

func TestMeterCreditedByLastOwner(t *testing.T) {
	m := NewMeter(1 << 20)
	const owners = 8
	var wg sync.WaitGroup
	for range 50 {
		b := GetMetered(4000, m)
		for range owners {
			b.Retain() // one reference per mirror goroutine, taken before the hand-off
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.Release()
			}()
		}
		wg.Wait()
		if m.Used() != 4096 {
			t.Fatalf("used %d while the producer still holds the buffer, want 4096", m.Used())
		}
		b.Release()
		if m.Used() != 0 {
			t.Fatalf("used %d after the last release, want 0", m.Used())
		}
	}
}

func TestMeterLimitAndPeak(t *testing.T) {
	m := NewMeter(4096)
	a, b := GetMetered(2048, m), GetMetered(2048, m)
	if a == nil || b == nil || m.Peak() != 4096 {
		t.Fatalf("two buffers within the limit: %v %v, peak %d", a, b, m.Peak())
	}
	m.SetLimit(2048) // lowered below what is held: nothing is taken back
	a.Release()
	if GetMetered(1, m) != nil {
		t.Fatal("a buffer was given while the use is at the lowered limit")
	}
	b.Release()
	m.ResetPeak()
	if m.Used() != 0 || m.Peak() != 0 {
		t.Fatalf("used %d peak %d after releases and ResetPeak, want 0", m.Used(), m.Peak())
	}
	if c := GetMetered(2048, m); c == nil {
		t.Fatal("no buffer within the lowered limit once it is free")
	} else {
		c.Release()
	}
}

func TestUnmeteredTryGrowAlwaysGrows(t *testing.T) {
	b := Get(10)
	defer b.Release()
	if !b.TryGrow(MaxPooled*2) || b.Cap() < MaxPooled*2 {
		t.Fatalf("unmetered TryGrow: cap %d", b.Cap())
	}
}
