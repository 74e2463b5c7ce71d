//go:build !race

// route_alloc_test.go checks that ReadOnly, RoleHint, StartsTransaction and BeginsReadOnly allocate nothing
// (the race detector allocates, so this runs without it).

package sqlscan

import "testing"

func TestRouteZeroAlloc(t *testing.T) {
	texts := [][]byte{
		[]byte("/* pgdog_role: prefer-replica */ SELECT a, \"nextval\"('s') FROM t WHERE x = 'insert' FOR SHARE; select 1 /* pgdog_role: primary */"),
		[]byte("with d as (delete from t returning *) select * from d; explain (analyze, format json) select 1"),
		[]byte("copy (select pg_advisory_lock(1)) to stdout; begin read only;\x00"),
		[]byte("START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY"),
	}
	var sink int
	allocs := testing.AllocsPerRun(1000, func() {
		for _, sql := range texts {
			if ReadOnly(sql) {
				sink++
			}
			if role, ok := RoleHint(sql); ok {
				sink += len(role)
			}
			if StartsTransaction(sql) {
				sink++
			}
			if BeginsReadOnly(sql) {
				sink++
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
	if sink == 0 {
		t.Error("nothing classified")
	}
}
