// Tests of runtime settings: every key admin SET may change has an apply.

package engine

import (
	"slices"
	"sort"
	"testing"

	"github.com/pgdogd/pgdogd/engine/config"
)

func TestRuntimeApplyCoversRuntimeKeys(t *testing.T) {
	var keys []string
	for k := range runtimeApply {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := config.RuntimeKeys(); !slices.Equal(keys, want) {
		t.Errorf("runtimeApply has %q, the registry's runtime keys are %q", keys, want)
	}
}
