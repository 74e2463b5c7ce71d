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

// TestForwardExtendedZeroAlloc does the same for the extended protocol:
// unnamed Parse/Bind/Execute/Sync, and Bind/Execute/Sync of a named
// statement prepared once (pgdogd's statement cache on the path).
func TestForwardExtendedZeroAlloc(t *testing.T) {
	rc := setupRoundTrip(t)
	unnamed := extendedRequest("", true)
	if err := rc.send(extendedRequest("s1", true)); err != nil {
		t.Fatal(err)
	}
	named := extendedRequest("s1", false)
	for name, req := range map[string][]byte{"unnamed": unnamed, "named": named} {
		for i := 0; i < 100; i++ {
			if err := rc.send(req); err != nil {
				t.Fatal(err)
			}
		}
		allocs := testing.AllocsPerRun(2000, func() {
			if err := rc.send(req); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > 0.05 {
			t.Fatalf("%s: forwarding allocates %.3f objects per request; want 0", name, allocs)
		}
		t.Logf("%s: allocations per request: %.4f", name, allocs)
	}
}
