// buf_test.go tests size classes, growth, reference counting and misuse panics.

package bufpool

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func TestGetSizeClasses(t *testing.T) {
	tests := []struct {
		size    int
		wantCap int
		class   int
	}{
		{-1, 256, 0},
		{0, 256, 0},
		{1, 256, 0},
		{256, 256, 0},
		{257, 512, 1},
		{512, 512, 1},
		{1000, 1024, 2},
		{16 << 10, 16 << 10, 6},
		{16<<10 + 1, 32 << 10, 7},
		{1 << 20, 1 << 20, 12},
		{MaxPooled - 1, MaxPooled, numClasses - 1},
		{MaxPooled, MaxPooled, numClasses - 1},
		{MaxPooled + 1, MaxPooled + 1, oversize},
		{10 << 20, 10 << 20, oversize},
	}
	for _, tt := range tests {
		b := Get(tt.size)
		if b.Cap() != tt.wantCap || int(b.class) != tt.class {
			t.Errorf("Get(%d): cap %d class %d, want cap %d class %d",
				tt.size, b.Cap(), b.class, tt.wantCap, tt.class)
		}
		if b.Len() != 0 || len(b.Bytes()) != 0 {
			t.Errorf("Get(%d): len %d, want 0", tt.size, b.Len())
		}
		if b.Refs() != 1 {
			t.Errorf("Get(%d): refs %d, want 1", tt.size, b.Refs())
		}
		b.Release()
	}
}

func TestGetReturnsEmptyAfterReuse(t *testing.T) {
	for range 20 {
		b := Get(300)
		if b.Len() != 0 || b.Refs() != 1 {
			t.Fatalf("reused buffer: len %d refs %d, want 0 and 1", b.Len(), b.Refs())
		}
		b.AppendString("dirty")
		b.Release()
	}
}

func TestAppendGrowsAcrossClasses(t *testing.T) {
	b := Get(1)
	defer b.Release()
	var want []byte
	chunk := make([]byte, 100)
	prevCap := b.Cap()
	for i := 0; len(want) < 70_000; i++ {
		for j := range chunk {
			chunk[j] = byte(i + j)
		}
		b.Append(chunk...)
		want = append(want, chunk...)
		if b.Cap() < b.Len() || b.Cap() < prevCap {
			t.Fatalf("after %d bytes: cap %d (previously %d)", b.Len(), b.Cap(), prevCap)
		}
		if b.Cap() != classCap(int(b.class)) {
			t.Fatalf("cap %d does not match class %d", b.Cap(), b.class)
		}
		prevCap = b.Cap()
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatal("contents differ after growth")
	}
	if b.Cap() != 128<<10 {
		t.Fatalf("cap %d after %d bytes, want %d", b.Cap(), b.Len(), 128<<10)
	}
}

func TestGrowKeepsContents(t *testing.T) {
	b := Get(10)
	defer b.Release()
	b.AppendString("hello")
	b.Grow(5000)
	if b.Cap() != 8192 || b.Len() != 5 || string(b.Bytes()) != "hello" {
		t.Fatalf("after Grow(5000): cap %d contents %q", b.Cap(), b.Bytes())
	}
	b.Grow(100) // fits already
	if b.Cap() != 8192 {
		t.Fatalf("Grow that fits changed cap to %d", b.Cap())
	}
	b.Reset()
	if b.Len() != 0 || b.Cap() != 8192 {
		t.Fatalf("after Reset: len %d cap %d", b.Len(), b.Cap())
	}
}

func TestGrowIntoOversize(t *testing.T) {
	b := Get(MaxPooled)
	b.Append(bytes.Repeat([]byte{'a'}, MaxPooled)...)
	b.AppendString("bc")
	if b.class != oversize || b.Len() != MaxPooled+2 {
		t.Fatalf("class %d len %d, want oversize and %d", b.class, b.Len(), MaxPooled+2)
	}
	b.AppendString(strings.Repeat("d", 1000))
	got := b.Bytes()
	if got[0] != 'a' || got[MaxPooled-1] != 'a' || string(got[MaxPooled:MaxPooled+3]) != "bcd" ||
		got[len(got)-1] != 'd' {
		t.Fatal("contents wrong after growing past MaxPooled")
	}
	b.Release()
}

func TestOversizeNotPooled(t *testing.T) {
	big := Get(MaxPooled + 1)
	p := unsafe.SliceData(big.Bytes()[:1])
	big.Release()
	for range 20 {
		for _, size := range []int{MaxPooled + 1, MaxPooled, MaxPooled / 2} {
			b := Get(size)
			if unsafe.SliceData(b.Bytes()[:1]) == p {
				t.Fatalf("Get(%d) returned the released oversize array", size)
			}
			b.Release()
		}
	}
}

func TestRefcountAcrossGoroutines(t *testing.T) {
	const workers, rounds = 8, 2000
	b := Get(1024)
	b.AppendString("shared")
	var wg sync.WaitGroup
	for range workers {
		b.Retain() // one reference per worker, taken before the hand-off
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer b.Release()
			for range rounds {
				b.Retain()
				if string(b.Bytes()) != "shared" {
					t.Error("contents changed while shared")
				}
				b.Release()
			}
		}()
	}
	wg.Wait()
	if got := b.Refs(); got != 1 {
		t.Fatalf("refs after all workers: %d, want 1", got)
	}
	b.Release()
	if got := b.Refs(); got != 0 {
		t.Fatalf("refs after last release: %d, want 0", got)
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want %q", want)
		}
		if s, _ := r.(string); s != want {
			t.Fatalf("panic %v, want %q", r, want)
		}
	}()
	f()
}

func TestDoubleReleasePanics(t *testing.T) {
	for _, size := range []int{100, MaxPooled + 1} {
		b := Get(size)
		b.Retain()
		b.Release()
		b.Release()
		mustPanic(t, "BUG: bufpool: release of a released buffer", b.Release)
		if b.Refs() != 0 {
			t.Fatalf("refs %d after the failed release, want 0", b.Refs())
		}
	}
}

func TestRetainAfterReleasePanics(t *testing.T) {
	for _, size := range []int{100, MaxPooled + 1} {
		b := Get(size)
		b.Release()
		mustPanic(t, "BUG: bufpool: retain of a released buffer", b.Retain)
	}
}
