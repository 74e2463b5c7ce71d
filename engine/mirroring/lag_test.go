// lag_test.go checks the lag histogram: its buckets' bounds and its quantiles.

package mirroring

import (
	"testing"
	"time"
)

func TestLagBuckets(t *testing.T) {
	prev := int64(-1)
	for b := 0; b < 4*40; b++ {
		up := bucketUpper(b)
		if up <= prev || lagBucket(up) != b || up > 0 && lagBucket(prev+1) != b {
			t.Fatalf("bucket %d holds (%d, %d]: lagBucket gives %d and %d", b, prev, up, lagBucket(prev+1), lagBucket(up))
		}
		if b >= 8 && float64(up-prev)/float64(up) > 0.25 {
			t.Fatalf("bucket %d is %d wide up to %d: more than a quarter", b, up-prev, up)
		}
		prev = up
	}
	if lagBucket(-5) != 0 || lagBucket(1<<62) != 4*40-1 {
		t.Fatal("values below 0 or past the last bucket")
	}
}

func TestLagQuantile(t *testing.T) {
	var h Lag
	if h.Quantile(0.5) != 0 {
		t.Fatal("an empty histogram has a median")
	}
	for i := 1; i <= 100; i++ {
		h.Observe(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0, time.Millisecond}, {0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		got := h.Quantile(tc.q)
		if got < tc.want || float64(got-tc.want) > 0.25*float64(tc.want) {
			t.Errorf("Quantile(%v) = %v, want %v within its bucket (25%% above at most)", tc.q, got, tc.want)
		}
	}
}
