// idle_test.go checks that ReleaseIdle gives the memory of idle pooled buffers back to the OS.

package bufpool

import (
	"runtime"
	"testing"
)

func TestReleaseIdleGivesPooledMemoryBack(t *testing.T) {
	const n, size = 32, 1 << 20
	bufs := make([]*Buf, n)
	page := make([]byte, size)
	for i := range bufs {
		bufs[i] = Get(size)
		bufs[i].Append(page...) // resident, as a captured transaction is
	}
	for _, b := range bufs {
		b.Release() // idle in the pool
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	ReleaseIdle()
	runtime.ReadMemStats(&after)
	const want = n * size * 3 / 4
	if freed := int64(before.HeapInuse) - int64(after.HeapInuse); freed < want {
		t.Errorf("heap in use fell by %d bytes, want at least %d", freed, want)
	}
	if back := int64(after.HeapReleased) - int64(before.HeapReleased); back < want {
		t.Errorf("%d bytes more returned to the OS, want at least %d", back, want)
	}
	b := Get(size) // the pool works on: a fresh buffer
	if b.Cap() != size || b.Len() != 0 {
		t.Fatalf("Get after ReleaseIdle: cap %d len %d", b.Cap(), b.Len())
	}
	b.Release()
}
