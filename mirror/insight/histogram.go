// histogram.go holds Histogram, the fixed log-scale latency histogram each entry keeps per side.

package insight

import (
	"math"
	"math/bits"
	"time"
)

// The bucket layout. The first bucket holds latencies up to 2^minExp ns (about 1 µs); each
// doubling above it is split into perDoubling buckets of equal width (each at most 25 %
// wider than its lower bound); the last finite bound is 2^maxExp ns (about 137 s) and the
// last bucket is +Inf.
const (
	minExp      = 10
	maxExp      = 37
	subBits     = 2
	perDoubling = 1 << subBits
	numBuckets  = 1 + (maxExp-minExp)*perDoubling + 1
)

func init() {
	Bounds = make([]time.Duration, numBuckets)
	Bounds[0] = 1 << minExp
	for e := minExp; e < maxExp; e++ {
		for s := range perDoubling {
			Bounds[1+(e-minExp)*perDoubling+s] = time.Duration(1<<e + (s+1)<<(e-subBits))
		}
	}
	Bounds[numBuckets-1] = math.MaxInt64
}

// bucketOf is the index of the bucket whose bound is the first at or above ns.
func bucketOf(ns int64) int {
	if ns <= 1<<minExp {
		return 0
	}
	x := uint64(ns - 1)
	e := bits.Len64(x) - 1
	if e >= maxExp {
		return numBuckets - 1
	}
	sub := int(x>>(e-subBits)) & (perDoubling - 1)
	return 1 + (e-minExp)*perDoubling + sub
}

// Histogram counts latencies in the buckets of Bounds, with their exact sum, minimum and
// maximum. Its zero value is empty and ready; it is not safe for concurrent use (the table
// guards its own).
type Histogram struct {
	counts     [numBuckets]int64
	count      int64
	total      int64 // ns
	minv, maxv int64 // ns; meaningful when count > 0
}

// Observe adds one latency (a negative one counts as 0).
func (h *Histogram) Observe(d time.Duration) {
	ns := max(int64(d), 0)
	h.counts[bucketOf(ns)]++
	if h.count == 0 || ns < h.minv {
		h.minv = ns
	}
	h.maxv = max(h.maxv, ns)
	h.count++
	h.total += ns
}

// Merge adds o's observations to h, as if h had observed them too.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.minv < h.minv {
		h.minv = o.minv
	}
	h.maxv = max(h.maxv, o.maxv)
	h.count += o.count
	h.total += o.total
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Count is the number of latencies observed.
func (h *Histogram) Count() int64 { return h.count }

// Total is the exact sum of the latencies observed.
func (h *Histogram) Total() time.Duration { return time.Duration(h.total) }

// Mean is Total over Count (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.total / h.count)
}

// Quantile estimates the q-quantile (0 ≤ q ≤ 1): it finds the bucket holding the rank and
// interpolates linearly within it, the bucket narrowed to the minimum and maximum observed.
// The estimate is within the width of that bucket; 0 when h is empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	if q <= 0 {
		return time.Duration(h.minv)
	}
	if q >= 1 {
		return time.Duration(h.maxv)
	}
	rank := q * float64(h.count)
	var cum int64
	for i, c := range h.counts {
		if c == 0 || float64(cum+c) < rank {
			cum += c
			continue
		}
		lo, hi := int64(0), h.maxv
		if i > 0 {
			lo = int64(Bounds[i-1])
		}
		if i < numBuckets-1 {
			hi = min(int64(Bounds[i]), h.maxv)
		}
		lo = max(lo, h.minv)
		frac := (rank - float64(cum)) / float64(c)
		return time.Duration(float64(lo) + frac*float64(hi-lo))
	}
	return time.Duration(h.maxv)
}

// Summary is h summarised; with buckets, Latency.Buckets holds the cumulative counts at or
// under each of Bounds, in a new slice the caller owns.
func (h *Histogram) Summary(buckets bool) Latency {
	l := Latency{
		Count: h.count,
		Total: time.Duration(h.total),
		P50:   h.Quantile(0.50),
		P95:   h.Quantile(0.95),
		P99:   h.Quantile(0.99),
	}
	if buckets {
		l.Buckets = make([]int64, numBuckets)
		var cum int64
		for i, c := range h.counts {
			cum += c
			l.Buckets[i] = cum
		}
	}
	return l
}
