// runtime_test.go tests SET of the runtime settings: the keys, the values each accepts and refuses (SQLSTATE 42704 and 22023), and how each new value takes effect.

package engine

import (
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
	pooling "github.com/pgdogd/pgdogd/engine/pool"
)

func TestRuntimeKeys(t *testing.T) {
	want := "ban_replica_lag ban_replica_lag_bytes ban_timeout checkout_timeout connect_attempt_delay connect_attempts " +
		"connect_timeout default_pool_size healthcheck_interval healthcheck_timeout idle_healthcheck_delay " +
		"idle_healthcheck_interval idle_timeout load_balancing_strategy lsn_check_delay lsn_check_interval " +
		"lsn_check_timeout min_pool_size mirror_exposure mirror_max_transaction_size mirror_memory_limit mirror_queue " +
		"mirror_stats mirror_stats_metrics mirror_stats_queries mirror_stats_timing read_write_split " +
		"read_write_strategy server_lifetime shutdown_timeout"
	if got := strings.Join(config.RuntimeKeys(), " "); got != want {
		t.Fatalf("RuntimeKeys:\n got  %s\n want %s", got, want)
	}
}

// runtimeValue is key's value in cfg, as SHOW CONFIG shows it.
func runtimeValue(cfg *config.Config, key string) string {
	for _, st := range cfg.Settings() {
		if st.Key == key {
			return st.Value
		}
	}
	return "<no " + key + ">"
}

func TestSetAcceptsValues(t *testing.T) {
	cases := []struct{ key, value, shown string }{
		{"mirror_exposure", "0", "0"},
		{"mirror_exposure", "0.25", "0.25"},
		{"mirror_exposure", "1e0", "1"},
		{"mirror_queue", "1", "1"},
		{"mirror_queue", "1048576", "1048576"},
		{"mirror_memory_limit", "1", "1"},
		{"mirror_memory_limit", "1099511627776", "1099511627776"},
		{"mirror_max_transaction_size", "1024", "1024"},
		{"mirror_max_transaction_size", "1073741824", "1073741824"},
		{"default_pool_size", "1", "1"},
		{"default_pool_size", "100000", "100000"},
		{"min_pool_size", "0", "0"},
		{"min_pool_size", "3", "3"},
		{"checkout_timeout", "1", "1"},
		{"checkout_timeout", "31536000000", "31536000000"},
		{"connect_timeout", "250", "250"},
		{"shutdown_timeout", "0", "0"},
		{"idle_timeout", "0", "0"},
		{"idle_timeout", "60000", "60000"},
		{"server_lifetime", "0", "0"},
		{"server_lifetime", "3600000", "3600000"},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			keepMirrorBudget(t)
			h := newHarness(t, opts{})
			old := h.e.cfg.Load()
			before := runtimeValue(old, c.key)
			h.setting(c.key, c.value)
			cfg := h.e.cfg.Load()
			if got := runtimeValue(cfg, c.key); got != c.shown {
				t.Fatalf("%s shows %q, want %q", c.key, got, c.shown)
			}
			if cfg == old || runtimeValue(old, c.key) != before {
				t.Fatal("SET changed the configuration in place: readers of the old one see the change")
			}
		})
	}
}

func TestSetRefusesValues(t *testing.T) {
	cases := []struct{ key, value, code string }{
		{"pooler_mode", "session", codec.CodeUndefinedObject},
		{"max_client_connections", "10", codec.CodeUndefinedObject},
		{"Default_Pool_Size", "10", codec.CodeUndefinedObject},
		{"", "", codec.CodeUndefinedObject},
		{"mirror_exposure", "-0.1", codec.CodeInvalidParameterValue},
		{"mirror_exposure", "1.01", codec.CodeInvalidParameterValue},
		{"mirror_exposure", "Inf", codec.CodeInvalidParameterValue},
		{"mirror_exposure", "half", codec.CodeInvalidParameterValue},
		{"mirror_queue", "0", codec.CodeInvalidParameterValue},
		{"mirror_queue", "1048577", codec.CodeInvalidParameterValue},
		{"mirror_queue", "1.5", codec.CodeInvalidParameterValue},
		{"mirror_memory_limit", "0", codec.CodeInvalidParameterValue},
		{"mirror_memory_limit", "1099511627777", codec.CodeInvalidParameterValue},
		{"mirror_max_transaction_size", "1023", codec.CodeInvalidParameterValue},
		{"mirror_max_transaction_size", "1073741825", codec.CodeInvalidParameterValue},
		{"default_pool_size", "0", codec.CodeInvalidParameterValue},
		{"default_pool_size", "100001", codec.CodeInvalidParameterValue},
		{"default_pool_size", " 4", codec.CodeInvalidParameterValue},
		{"min_pool_size", "-1", codec.CodeInvalidParameterValue},
		{"checkout_timeout", "0", codec.CodeInvalidParameterValue},
		{"checkout_timeout", "31536000001", codec.CodeInvalidParameterValue},
		{"checkout_timeout", "5s", codec.CodeInvalidParameterValue},
		{"connect_timeout", "0", codec.CodeInvalidParameterValue},
		{"shutdown_timeout", "-1", codec.CodeInvalidParameterValue},
		{"idle_timeout", "-5", codec.CodeInvalidParameterValue},
		{"server_lifetime", "", codec.CodeInvalidParameterValue},
	}
	for _, c := range cases {
		t.Run(c.key+"="+c.value, func(t *testing.T) {
			h := newHarness(t, opts{})
			old := h.e.cfg.Load()
			ce := controlError(t, h.e.Set(c.key, c.value), c.code)
			if h.e.cfg.Load() != old {
				t.Fatal("a refused SET replaced the configuration")
			}
			switch c.code {
			case codec.CodeUndefinedObject:
				if !strings.Contains(ce.Msg, "settable: "+strings.Join(config.RuntimeKeys(), ", ")) {
					t.Fatalf("message %q does not list the settable keys", ce.Msg)
				}
			default:
				if !strings.HasPrefix(ce.Msg, c.key+" must be") || !strings.Contains(ce.Msg, `"`+c.value+`"`) {
					t.Fatalf("message %q does not name the key and the value", ce.Msg)
				}
			}
		})
	}
}

func TestSetRefusesNaNExposure(t *testing.T) {
	h := newHarness(t, opts{})
	err := h.e.Set("mirror_exposure", "NaN")
	knownBug(t, err == nil && math.IsNaN(h.e.cfg.Load().General.MirrorExposure),
		"SET mirror_exposure = NaN is accepted (the range check x < 0 || x > 1 is false for NaN), although the configuration files refuse it; "+
			"a NaN exposure mirrors every transaction, since no draw u >= NaN drops one, while SHOW CONFIG shows NaN")
	controlError(t, err, codec.CodeInvalidParameterValue)
}

func TestSetMinPoolSizeAbovePoolSize(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	fp := newFakePostgres(t, h)
	err := h.e.Set("min_pool_size", "5")
	if err == nil {
		// Upkeep opens servers up to min_pool_size, past the pool's size;
		// each one released while the pool is over its size is closed.
		h.pool.upkeep(time.Now())
		for range 5 {
			fp.login(t)
		}
		knownBug(t, h.total() > 2,
			"SET min_pool_size (or default_pool_size) accepts a minimum above the pool size, which the configuration files refuse; "+
				"upkeep then dials up to min_pool_size, past the pool size, and release closes every server while the pool is over its size: "+
				"servers are opened and closed again at every upkeep")
	}
	controlError(t, err, codec.CodeInvalidParameterValue)
}

func (h *harness) limits() pooling.Limits {
	h.pool.mu.Lock()
	defer h.pool.mu.Unlock()
	c := h.pool.cfg
	return pooling.Limits{Size: c.Size, MinSize: c.MinSize, IdleTimeout: c.IdleTimeout, Lifetime: c.Lifetime}
}

func TestSetAppliesPoolLimits(t *testing.T) {
	h := newHarness(t, opts{size: 4})
	h.setting("min_pool_size", "2")
	h.setting("idle_timeout", "30000")
	h.setting("server_lifetime", "3600000")
	h.setting("default_pool_size", "8")
	if got, want := h.limits(), (pooling.Limits{Size: 8, MinSize: 2, IdleTimeout: 30 * time.Second, Lifetime: time.Hour}); got != want {
		t.Fatalf("pool limits %+v, want %+v", got, want)
	}
	h.setting("checkout_timeout", "1500")
	h.setting("connect_timeout", "2500")
	if h.pool.checkoutTimeout() != 1500*time.Millisecond || h.pool.connectTimeout() != 2500*time.Millisecond {
		t.Fatalf("checkout timeout %v, connect timeout %v", h.pool.checkoutTimeout(), h.pool.connectTimeout())
	}
}

func TestSetLargerPoolDialsForWaiters(t *testing.T) {
	h := newHarness(t, opts{size: 1})
	fp := newFakePostgres(t, h)
	s, sc := h.addServer()
	_, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	b, bc := h.connect()
	h.send(bc, queryMsg("select 2"))
	if b.state != clWaiting || h.total() != 1 {
		t.Fatalf("waiter %s, %d servers", b.state, h.total())
	}
	h.setting("default_pool_size", "2")
	if h.total() != 2 {
		t.Fatalf("%d servers counted after the pool grew, want one more dialed for the waiter", h.total())
	}
	fp.refuse(t)
	h.pumpUntil("the failed dial to be counted", func() bool { return h.total() == 1 })
	h.send(sc, cat(complete("SELECT 1"), rfq('I')))
	if b.server != s {
		t.Fatal("the waiter did not get the released server")
	}
}

func TestSetSmallerPoolClosesServersAtRelease(t *testing.T) {
	h := newHarness(t, opts{size: 2})
	s1, c1 := h.addServer()
	s2, c2 := h.addServer()
	_, ac := h.connect()
	h.send(ac, queryMsg("select 1"))
	_, bc := h.connect()
	h.send(bc, queryMsg("select 2"))
	h.setting("default_pool_size", "1")
	h.send(c2, cat(complete("SELECT 1"), rfq('I')))
	if !c2.isClosed() || h.isIdle(s2) || h.total() != 1 {
		t.Fatalf("a server released over the new size: closed %v, %d servers", c2.isClosed(), h.total())
	}
	h.send(c1, cat(complete("SELECT 1"), rfq('I')))
	if c1.isClosed() || !h.isIdle(s1) {
		t.Fatal("the server within the new size was not pooled")
	}
}

func TestSetAppliesToMirrors(t *testing.T) {
	keepMirrorBudget(t)
	h := harnessFor(t, mirrorConfig(), nil)
	t.Cleanup(func() { close(h.e.mirrorStop) })
	h.setting("mirror_exposure", "0.75")
	h.setting("mirror_queue", "3")
	h.setting("mirror_max_transaction_size", "2048")
	h.setting("mirror_memory_limit", "2097152")
	snap := h.e.Snapshot()
	if ms := snap.Mirrors(); len(ms) != 1 || ms[0].Exposure != 0.75 || ms[0].QueueCapacity != 3 {
		t.Fatalf("mirrors %+v; want exposure 0.75 and queues of 3", ms)
	}
	if n := h.pool.mirrors[0].maxTxn.Load(); n != 2048 {
		t.Fatalf("mirror_max_transaction_size in force %d, want 2048", n)
	}
	if _, limit := snap.MirrorMemory(); limit != 2<<20 {
		t.Fatalf("mirror memory limit %d, want 2 MiB", limit)
	}
}

// TestRuntimeApplyCoversRuntimeKeys: every key admin SET may change has an apply.
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
