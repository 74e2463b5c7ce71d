// lag.go holds a lock-free histogram of mirror replay lag, for percentiles.

package mirroring

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Lag is a histogram of replay lag. It buckets durations in microseconds: four buckets per power of
// two, so a percentile is within about 19% of the truth.
type Lag struct {
	buckets [4 * 40]atomic.Int64
}

func lagBucket(us int64) int {
	if us < 4 {
		return int(max(us, 0))
	}
	e := 63 - bits.LeadingZeros64(uint64(us)) // us in [2^e, 2^(e+1))
	sub := int(us>>(e-2)) & 3
	return min(4*(e-1)+sub, 4*40-1)
}

// bucketUpper is the largest value a bucket holds, in microseconds.
func bucketUpper(b int) int64 {
	if b < 4 {
		return int64(b)
	}
	e := b/4 + 1
	sub := int64(b % 4)
	return (4+sub+1)<<(e-2) - 1
}

// Observe counts one lag.
func (h *Lag) Observe(d time.Duration) {
	h.buckets[lagBucket(d.Microseconds())].Add(1)
}

// Quantile returns the q-quantile (0..1) of what was observed, 0 when empty.
func (h *Lag) Quantile(q float64) time.Duration {
	var total int64
	for i := range h.buckets {
		total += h.buckets[i].Load()
	}
	if total == 0 {
		return 0
	}
	rank := int64(q*float64(total-1)) + 1
	var seen int64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return time.Duration(bucketUpper(i)) * time.Microsecond
		}
	}
	return time.Duration(bucketUpper(len(h.buckets)-1)) * time.Microsecond
}
