//go:build !race

// forward_alloc_test.go asserts that forwarding allocates nothing per message in steady state.
package perf

import (
	"testing"
)

// TestForwardZeroAlloc runs round trips through the proxy and counts the
// process's allocations: client, proxy and fake backend together.
func TestForwardZeroAlloc(t *testing.T) {
	rc := setupRoundTrip(t)
	allocs := testing.AllocsPerRun(2000, func() {
		if err := rc.roundTrip(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 0.05 {
		t.Fatalf("forwarding allocates %.3f objects per round trip; want 0", allocs)
	}
	t.Logf("allocations per round trip (two forwarded messages each way): %.4f", allocs)
}
