// runtime.go holds the settings that change without a restart: SET from the admin console, and RELOAD.

package engine

import (
	"errors"
	"fmt"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
)

// runtimeApply says what the engine does once admin SET changed a [general]
// key: one entry per key config.RuntimeKeys lists. Which keys SET takes, how
// their text is parsed and checked, and how they are shown is the registry's
// (engine/config/keys.go).
var runtimeApply = map[string]func(e *Engine, cfg *config.Config){
	"mirror_exposure":             applyMirrorExposure,
	"mirror_queue":                applyMirrorQueue,
	"mirror_memory_limit":         applyMirrorMemory,
	"mirror_max_transaction_size": applyMirrorMaxTxn,
	"default_pool_size":           applyLimits,
	"min_pool_size":               applyLimits,
	"idle_timeout":                applyLimits,
	"server_lifetime":             applyLimits,
	"checkout_timeout":            noApply, // read at each checkout
	"connect_timeout":             noApply, // read at each dial
	"shutdown_timeout":            noApply, // read at shutdown
	"mirror_stats":                noApply, // read at each transaction's start
	"mirror_stats_metrics":        noApply, // read at each scrape
	"mirror_stats_timing":         noApply, // read at each replay
	// Replicas: read at each routing decision, health check, ban and login.
	"load_balancing_strategy":   noApply,
	"read_write_strategy":       noApply,
	"read_write_split":          noApply,
	"healthcheck_interval":      noApply,
	"idle_healthcheck_interval": noApply,
	"idle_healthcheck_delay":    noApply,
	"healthcheck_timeout":       noApply,
	"ban_timeout":               noApply,
	"ban_replica_lag":           noApply,
	"ban_replica_lag_bytes":     noApply,
	"connect_attempts":          noApply,
	"connect_attempt_delay":     noApply,
	"lsn_check_interval":        noApply,
	"lsn_check_timeout":         noApply,
	"lsn_check_delay":           noApply,
	"mirror_stats_queries":      applyMirrorStatsQueries,
}

// applyMirrorStatsQueries bounds the comparison table anew.
func applyMirrorStatsQueries(e *Engine, cfg *config.Config) {
	e.insight.SetCapacity(cfg.General.MirrorStatsQueries)
}

// applyMirrorExposure gives every mirror [general]'s exposure.
func applyMirrorExposure(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.setExposure(cfg.General.MirrorExposure) })
}

func applyMirrorQueue(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.queueLen.Store(int64(cfg.General.MirrorQueue)) })
}

func applyMirrorMaxTxn(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.maxTxn.Store(int64(cfg.General.MirrorMaxTransactionBytes)) })
}

func applyLimits(e *Engine, cfg *config.Config) { e.applyPoolLimits(cfg) }

func applyMirrorMemory(e *Engine, cfg *config.Config) { mirroring.Apply(e.log, cfg) }

func noApply(*Engine, *config.Config) {}

func (e *Engine) eachMirror(f func(*mirrorDest)) {
	for _, p := range e.pools.Load().list {
		for _, d := range p.mirrors {
			f(d)
		}
	}
}

// Set changes one runtime setting for the whole process; connected clients
// follow it from their next transaction (pool sizes and timeouts at once).
func (e *Engine) Set(key, value string) error {
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	cfg := *e.cfg.Load()
	if err := config.SetGeneral(&cfg.General, key, value); err != nil {
		code := codec.CodeInvalidParameterValue
		if errors.Is(err, config.ErrNotSettable) {
			code = codec.CodeUndefinedObject
		}
		return errorf(code, "%v", err)
	}
	if g := &cfg.General; g.MinPoolSize > g.DefaultPoolSize { // as the files are checked
		return errorf(codec.CodeInvalidParameterValue, "min_pool_size %d is larger than default_pool_size %d", g.MinPoolSize, g.DefaultPoolSize)
	}
	e.cfg.Store(&cfg)
	if apply := runtimeApply[key]; apply != nil {
		apply(e, &cfg)
	}
	e.log.Info("setting changed", "key", key, "value", value)
	return nil
}

// Reload re-reads both configuration files. A file with errors changes
// nothing and every problem is returned (and logged). Otherwise the pools
// are rebuilt: a pool whose settings did not change, apart from its size,
// minimum size, idle timeout and lifetime (applied in place), keeps its
// servers; the others are replaced, and the replaced ones serve their
// remaining clients until these leave (see retire). Settings that need a
// restart (listener, workers, admin credentials, metrics listener, message
// size) keep their running values, with a warning.
func (e *Engine) Reload() error {
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	old := e.cfg.Load()
	cfg, err := old.Reload()
	if err != nil {
		e.log.Error("reload refused: configuration has errors", "err", err)
		return fmt.Errorf("reload refused, configuration unchanged: %w", err)
	}
	keepRestartOnly(e, old, cfg)
	if err := e.loadTLS(cfg); err != nil { // certificates and keys are read again
		e.log.Error("reload refused: cannot load TLS files", "err", err)
		return fmt.Errorf("reload refused, configuration unchanged: %w", err)
	}
	oldSet := e.pools.Load()
	ps, err := buildPools(e, cfg, oldSet)
	if err != nil {
		e.log.Error("reload refused: cannot build pools", "err", err)
		return fmt.Errorf("reload refused, configuration unchanged: %w", err)
	}
	e.cfg.Store(cfg)
	e.pools.Store(ps)
	e.applyPoolLimits(cfg)
	mirroring.Apply(e.log, cfg)
	e.insight.SetCapacity(cfg.General.MirrorStatsQueries)
	byPair := map[[2]string]config.Mirror{}
	for _, m := range cfg.Mirrors {
		byPair[[2]string{m.SourceDB, m.DestinationDB}] = m
	}
	e.eachMirror(func(d *mirrorDest) {
		if m, ok := byPair[[2]string{d.sourceDB, d.destDB}]; ok {
			d.setExposure(m.Exposure)
			d.queueLen.Store(int64(max(m.QueueLength, 1)))
		}
		d.maxTxn.Store(int64(cfg.General.MirrorMaxTransactionBytes))
	})
	retired := oldSet.retiredBy(ps)
	for _, p := range retired {
		go e.retire(p)
	}
	e.log.Info("configuration reloaded", "config", cfg.ConfigPath, "users", cfg.UsersPath,
		"pools", len(ps.list), "replaced", len(retired))
	return nil
}

// keepRestartOnly copies into cfg the running values of settings that need
// a restart (the registry's restart-only [general] keys, and [admin]),
// warning about each one the files changed.
func keepRestartOnly(e *Engine, old, cfg *config.Config) {
	changed := config.KeepRestartOnly(&old.General, &cfg.General)
	if !(old.Admin == cfg.Admin || cfg.Admin.PasswordGenerated && old.Admin.Name == cfg.Admin.Name && old.Admin.User == cfg.Admin.User) {
		changed = append(changed, "admin")
	}
	cfg.Admin = old.Admin
	for _, key := range changed {
		e.log.Warn("reload: this setting needs a restart; the running value is kept", "key", key)
	}
}
