// bufpool_timing_test.go benchmarks pooled buffers: get/release and fan-out to mirrors.

package perf

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/pgdogd/pgdogd/bufpool"
	"github.com/pgdogd/pgdogd/mirror"
)

var benchSizes = []int{512, 16 << 10, 1 << 20}

func BenchmarkBufpoolGetRelease(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("size=%d/empty", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bufpool.Get(size).Release()
			}
		})
		b.Run(fmt.Sprintf("size=%d/copy", size), func(b *testing.B) {
			src := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf := bufpool.Get(size)
				buf.Append(src...)
				buf.Release()
			}
		})
	}
}

// BenchmarkBufpoolRetainRelease shares one 512-byte transaction with two mirrors: in one
// goroutine, and through one ring per mirror to two mirror goroutines that release it.
func BenchmarkBufpoolRetainRelease(b *testing.B) {
	src := make([]byte, 512)
	b.Run("mirrors=2/same-goroutine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf := bufpool.Get(len(src))
			buf.Append(src...)
			buf.Retain()
			buf.Retain()
			buf.Release()
			buf.Release()
			buf.Release()
		}
	})
	b.Run("mirrors=2/goroutines", func(b *testing.B) {
		rings := []*mirror.Ring[*bufpool.Buf]{
			mirror.NewRing[*bufpool.Buf](128), mirror.NewRing[*bufpool.Buf](128),
		}
		var wg sync.WaitGroup
		for _, r := range rings {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r.Wait(nil) {
					buf, _ := r.Pop()
					buf.Release()
				}
			}()
		}
		b.ReportAllocs()
		for b.Loop() {
			buf := bufpool.Get(len(src))
			buf.Append(src...)
			for _, r := range rings {
				buf.Retain()
				for !r.Push(buf) {
					runtime.Gosched()
				}
			}
			buf.Release()
		}
		for _, r := range rings {
			r.Close()
		}
		wg.Wait()
	})
}
