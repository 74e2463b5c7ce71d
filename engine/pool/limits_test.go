// limits_test.go tests how a pool's limits are resolved from the configuration (user over database over general), and the upkeep decisions they drive.

package pool

import (
	"reflect"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/engine/config"
)

func TestLimitsFor(t *testing.T) {
	cfg := &config.Config{
		General: config.General{DefaultPoolSize: 10, MinPoolSize: 1, IdleTimeout: time.Minute, ServerLifetime: time.Hour},
		Databases: []config.Database{
			{Name: "plain"},
			{Name: "tuned", PoolSize: 20, MinPoolSize: 0, HasMinPoolSize: true},
		},
		Users: []config.User{
			{Name: "u", Database: "plain"},
			{Name: "u", Database: "tuned"},
			{Name: "v", Database: "tuned", PoolSize: 30, MinPoolSize: 5, HasMinPoolSize: true,
				IdleTimeout: time.Second, HasIdleTimeout: true, ServerLifetime: 0, HasServerLifetime: true},
		},
	}
	cases := []struct {
		user, db string
		want     Limits
		ok       bool
	}{
		{"u", "plain", Limits{Size: 10, MinSize: 1, IdleTimeout: time.Minute, Lifetime: time.Hour}, true},
		{"u", "tuned", Limits{Size: 20, MinSize: 0, IdleTimeout: time.Minute, Lifetime: time.Hour}, true},
		{"v", "tuned", Limits{Size: 30, MinSize: 5, IdleTimeout: time.Second, Lifetime: 0}, true},
		// no entry (a passthrough user): the database's and [general]'s
		{"v", "plain", Limits{Size: 10, MinSize: 1, IdleTimeout: time.Minute, Lifetime: time.Hour}, true},
		{"w", "tuned", Limits{Size: 20, MinSize: 0, IdleTimeout: time.Minute, Lifetime: time.Hour}, true},
		{"u", "gone", Limits{}, false},
	}
	for _, c := range cases {
		got, ok := LimitsFor(cfg, c.user, c.db)
		if got != c.want || ok != c.ok {
			t.Errorf("limitsFor(%s, %s) = %+v, %v; want %+v, %v", c.user, c.db, got, ok, c.want, c.ok)
		}
	}
}

// TestExpire: servers past their lifetime go; servers idle past
// IdleTimeout go while the pool stays above MinSize, the stacks keep the rest
// in order.
func TestExpire(t *testing.T) {
	old := &server{"old", time.Hour}   // idle an hour
	mid := &server{"mid", time.Minute} // idle a minute
	fresh := &server{"fresh", 0}
	dead := &server{"dead", 0} // past its lifetime
	expired := func(s *server) bool { return s == dead }
	for _, tc := range []struct {
		name  string
		total int
		l     Limits
		gone  []*server
		left  int
	}{
		{"no idle timeout: lifetime only", 4, Limits{MinSize: 0}, []*server{dead}, 3},
		{"idle timeout, no minimum", 4, Limits{IdleTimeout: 30 * time.Second}, []*server{old, mid, dead}, 1},
		{"idle timeout down to the minimum", 4, Limits{IdleTimeout: 30 * time.Second, MinSize: 3}, []*server{old, dead}, 2},
		{"minimum counts busy servers too", 10, Limits{IdleTimeout: 30 * time.Second, MinSize: 3}, []*server{old, mid, dead}, 1},
		{"at the minimum, lifetime still applies", 3, Limits{IdleTimeout: 30 * time.Second, MinSize: 4}, []*server{dead}, 3},
	} {
		st := NewIdle[*server](2)
		st.Push(0, old)
		st.Push(0, fresh)
		st.Push(1, mid)
		st.Push(1, dead)
		gone := st.Expire(now, tc.total, tc.l, expired)
		if !reflect.DeepEqual(gone, tc.gone) || st.Len() != tc.left {
			t.Errorf("%s: closed %v, %d left; want %v, %d left", tc.name, names(gone), st.Len(), names(tc.gone), tc.left)
		}
	}
}

func names(ss []*server) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.name)
	}
	return out
}

func TestWarm(t *testing.T) {
	l := Limits{MinSize: 3}
	for _, tc := range []struct {
		name     string
		total    int
		closed   bool
		lastFail time.Time
		want     int
	}{
		{"below the minimum", 1, false, time.Time{}, 2},
		{"at it", 3, false, time.Time{}, 0},
		{"above it", 5, false, time.Time{}, 0},
		{"closed", 0, true, time.Time{}, 0},
		{"a failure just now", 0, false, now.Add(-time.Second), 0},
		{"a failure long ago", 0, false, now.Add(-FailureBackoff - time.Millisecond), 3},
	} {
		if got := l.Warm(tc.total, tc.closed, tc.lastFail, now); got != tc.want {
			t.Errorf("%s: Warm = %d, want %d", tc.name, got, tc.want)
		}
	}
}
