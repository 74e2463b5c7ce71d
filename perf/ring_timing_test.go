// ring_timing_test.go benchmarks the mirror queue: push/pop in one goroutine and across two.

package perf

import (
	"runtime"
	"testing"

	"github.com/pgdogd/pgdogd/bufpool"
	"github.com/pgdogd/pgdogd/mirror"
)

func BenchmarkRingPushPop(b *testing.B) {
	r := mirror.NewRing[*bufpool.Buf](128)
	buf := bufpool.Get(64)
	defer buf.Release()
	b.ReportAllocs()
	for b.Loop() {
		r.Push(buf)
		r.Pop()
	}
}

// BenchmarkRingSPSC moves b.N items from a producer to a consumer goroutine that sleeps in
// Wait whenever the ring runs empty.
func BenchmarkRingSPSC(b *testing.B) {
	r := mirror.NewRing[*bufpool.Buf](128)
	buf := bufpool.Get(64)
	defer buf.Release()
	got := make(chan int)
	go func() {
		n := 0
		for r.Wait(nil) {
			if _, ok := r.Pop(); ok {
				n++
			}
		}
		got <- n
	}()
	b.ReportAllocs()
	sent := 0
	for b.Loop() {
		for !r.Push(buf) {
			runtime.Gosched()
		}
		sent++
	}
	r.Close()
	if n := <-got; n != sent {
		b.Fatalf("consumer got %d of %d items", n, sent)
	}
}
