// histogram_test.go tests Histogram: the bucket layout, quantiles of known distributions, merging and summaries.

package insight

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBoundsLayout(t *testing.T) {
	if len(Bounds) != numBuckets {
		t.Fatalf("len(Bounds) = %d, want %d", len(Bounds), numBuckets)
	}
	if Bounds[0] < 900*time.Nanosecond || Bounds[0] > 1100*time.Nanosecond {
		t.Errorf("first bound %v, want about 1µs", Bounds[0])
	}
	if last := Bounds[numBuckets-2]; last < 100*time.Second || last > 150*time.Second {
		t.Errorf("last finite bound %v, want about 100 s", last)
	}
	if Bounds[numBuckets-1] != math.MaxInt64 {
		t.Errorf("last bound %d, want +Inf (MaxInt64)", Bounds[numBuckets-1])
	}
	for i := 1; i < numBuckets-1; i++ {
		lo, hi := Bounds[i-1], Bounds[i]
		if hi <= lo {
			t.Fatalf("Bounds[%d] = %v not above Bounds[%d] = %v", i, hi, i-1, lo)
		}
		if width := float64(hi-lo) / float64(lo); width > 0.25+1e-9 {
			t.Errorf("bucket %d (%v, %v] is %.0f%% wide, want ≤ 25%%", i, lo, hi, 100*width)
		}
	}
}

func TestBucketOf(t *testing.T) {
	check := func(ns int64) {
		i := bucketOf(ns)
		if int64(Bounds[i]) < ns || (i > 0 && int64(Bounds[i-1]) >= ns) {
			t.Fatalf("bucketOf(%d) = %d, bucket (%d, %d]", ns, i, Bounds[max(i-1, 0)], Bounds[i])
		}
	}
	for _, b := range Bounds[:numBuckets-1] {
		for _, ns := range []int64{int64(b) - 1, int64(b), int64(b) + 1} {
			check(ns)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(rng.Int64N(1 << 40))
	}
	for _, ns := range []int64{0, 1, math.MaxInt64} {
		check(ns)
	}
}

// exactQuantile is the q-quantile of sorted: the smallest value with at least q of the
// values at or under it.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	k := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(k, 0)]
}

func TestQuantileKnownDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dists := map[string]func() time.Duration{
		"uniform 1-100ms": func() time.Duration { return time.Millisecond + time.Duration(rng.Int64N(int64(99*time.Millisecond))) },
		"exponential 2ms": func() time.Duration { return time.Duration(rng.ExpFloat64() * float64(2*time.Millisecond)) },
		"lognormal": func() time.Duration {
			return time.Duration(math.Exp(rng.NormFloat64()*1.5) * float64(300*time.Microsecond))
		},
		"two modes": func() time.Duration {
			if rng.IntN(10) == 0 {
				return 2*time.Second + time.Duration(rng.Int64N(int64(time.Second)))
			}
			return 50*time.Microsecond + time.Duration(rng.Int64N(int64(10*time.Microsecond)))
		},
	}
	for name, draw := range dists {
		var h Histogram
		vals := make([]time.Duration, 20000)
		var sum time.Duration
		for i := range vals {
			vals[i] = draw()
			sum += vals[i]
			h.Observe(vals[i])
		}
		slices.Sort(vals)
		if h.Count() != int64(len(vals)) || h.Total() != sum {
			t.Errorf("%s: Count %d Total %v, want %d %v", name, h.Count(), h.Total(), len(vals), sum)
		}
		for _, q := range []float64{0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999} {
			got, want := h.Quantile(q), exactQuantile(vals, q)
			// The estimate is in the same bucket as the exact value; a bucket is at most
			// 25 % wider than its lower bound (and the first starts at 0, up to 1µs).
			if diff := math.Abs(float64(got - want)); diff > 0.25*float64(want)+float64(time.Microsecond) {
				t.Errorf("%s: Quantile(%v) = %v, exact %v", name, q, got, want)
			}
		}
		if h.Quantile(0) != vals[0] || h.Quantile(1) != vals[len(vals)-1] {
			t.Errorf("%s: Quantile(0), (1) = %v, %v; want min %v, max %v", name, h.Quantile(0), h.Quantile(1), vals[0], vals[len(vals)-1])
		}
	}
}

func TestQuantileEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Errorf("empty: Quantile %v Mean %v, want 0", h.Quantile(0.5), h.Mean())
	}
	for range 10 {
		h.Observe(3 * time.Millisecond)
	}
	for _, q := range []float64{0, 0.5, 0.99, 1} {
		if got := h.Quantile(q); got != 3*time.Millisecond {
			t.Errorf("constant 3ms: Quantile(%v) = %v", q, got)
		}
	}
	h.Reset()
	h.Observe(-time.Second)
	h.Observe(200 * time.Second)
	h.Observe(300 * time.Second)
	if h.Quantile(0) != 0 || h.Quantile(1) != 300*time.Second || h.Total() != 500*time.Second {
		t.Errorf("negative and +Inf: min %v max %v total %v", h.Quantile(0), h.Quantile(1), h.Total())
	}
	if p := h.Quantile(0.9); p < 200*time.Second || p > 300*time.Second {
		t.Errorf("Quantile(0.9) in the +Inf bucket = %v, want within [200s, 300s]", p)
	}
}

func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var a, b, both Histogram
	for i := range 5000 {
		d := time.Duration(rng.ExpFloat64() * float64(time.Millisecond) * float64(1+i%7))
		both.Observe(d)
		if i%3 == 0 {
			a.Observe(d)
		} else {
			b.Observe(d)
		}
	}
	merged := a
	merged.Merge(&b)
	if merged != both {
		t.Errorf("a merged with b differs from observing both")
	}
	var empty Histogram
	empty.Merge(&both)
	if empty != both {
		t.Errorf("empty merged with h differs from h")
	}
	before := both
	both.Merge(&Histogram{})
	if both != before {
		t.Errorf("merging an empty histogram changed h")
	}
}

func TestSummary(t *testing.T) {
	var h Histogram
	for i := 1; i <= 100; i++ {
		h.Observe(time.Duration(i) * time.Millisecond)
	}
	l := h.Summary(false)
	if l.Buckets != nil || l.Count != 100 || l.Total != 5050*time.Millisecond || l.P50 != h.Quantile(0.5) || l.P99 != h.Quantile(0.99) {
		t.Errorf("Summary(false) = %+v", l)
	}
	l = h.Summary(true)
	if len(l.Buckets) != len(Bounds) || l.Buckets[len(l.Buckets)-1] != 100 {
		t.Fatalf("Summary(true) buckets %v", l.Buckets)
	}
	for i, c := range l.Buckets {
		want := int64(0)
		for v := 1; v <= 100; v++ {
			if time.Duration(v)*time.Millisecond <= Bounds[i] {
				want++
			}
		}
		if c != want {
			t.Errorf("Buckets[%d] (le %v) = %d, want %d", i, Bounds[i], c, want)
		}
	}
}
