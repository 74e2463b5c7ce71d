// runtime.go holds the settings that change without a restart: SET from the admin console, and RELOAD.

package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
)

// runtimeSetting is one key SET can change: how to read it, how to parse a
// new value into g, and what to do once the new configuration is in force.
type runtimeSetting struct {
	get   func(g *config.General) string
	parse func(g *config.General, v string) error
	apply func(e *Engine, cfg *config.Config)
}

// applyMirrorsUniform gives every mirror [general]'s exposure and queue length.
func applyMirrorExposure(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.setExposure(cfg.General.MirrorExposure) })
}

func applyMirrorQueue(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.queueLen.Store(int64(cfg.General.MirrorQueue)) })
}

func applyMirrorMaxTxn(e *Engine, cfg *config.Config) {
	e.eachMirror(func(d *mirrorDest) { d.maxTxn.Store(int64(cfg.General.MirrorMaxTransactionBytes)) })
}

func noApply(*Engine, *config.Config) {}

var runtimeSettings = map[string]runtimeSetting{
	"mirror_exposure": {
		get: func(g *config.General) string { return strconv.FormatFloat(g.MirrorExposure, 'g', -1, 64) },
		parse: func(g *config.General, v string) error {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > 1 {
				return fmt.Errorf("mirror_exposure must be a number from 0.0 to 1.0, got %q", v)
			}
			g.MirrorExposure = x
			return nil
		},
		apply: applyMirrorExposure,
	},
	"mirror_queue":                intSetting("mirror_queue", 1, 1<<20, func(g *config.General) *int { return &g.MirrorQueue }, applyMirrorQueue),
	"mirror_memory_limit":         intSetting("mirror_memory_limit", 1, 1<<40, func(g *config.General) *int { return &g.MirrorMemoryLimit }, applyMirrorMemory),
	"mirror_max_transaction_size": intSetting("mirror_max_transaction_size", 1024, 1<<30, func(g *config.General) *int { return &g.MirrorMaxTransactionBytes }, applyMirrorMaxTxn),
	"default_pool_size":           intSetting("default_pool_size", 1, 100000, func(g *config.General) *int { return &g.DefaultPoolSize }, applyLimits),
	"min_pool_size":               intSetting("min_pool_size", 0, 100000, func(g *config.General) *int { return &g.MinPoolSize }, applyLimits),
	"checkout_timeout":            msSetting("checkout_timeout", false, func(g *config.General) *time.Duration { return &g.CheckoutTimeout }, noApply),
	"connect_timeout":             msSetting("connect_timeout", false, func(g *config.General) *time.Duration { return &g.ConnectTimeout }, noApply),
	"shutdown_timeout":            msSetting("shutdown_timeout", true, func(g *config.General) *time.Duration { return &g.ShutdownTimeout }, noApply),
	"idle_timeout":                msSetting("idle_timeout", true, func(g *config.General) *time.Duration { return &g.IdleTimeout }, applyLimits),
	"server_lifetime":             msSetting("server_lifetime", true, func(g *config.General) *time.Duration { return &g.ServerLifetime }, applyLimits),
}

func applyLimits(e *Engine, cfg *config.Config) { e.applyPoolLimits(cfg) }

func applyMirrorMemory(e *Engine, cfg *config.Config) { mirroring.Apply(e.log, cfg) }

// intSetting is a whole-number key within lo..hi.
func intSetting(key string, lo, hi int, field func(*config.General) *int, apply func(*Engine, *config.Config)) runtimeSetting {
	return runtimeSetting{
		get: func(g *config.General) string { return strconv.Itoa(*field(g)) },
		parse: func(g *config.General, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return fmt.Errorf("%s must be a whole number from %d to %d, got %q", key, lo, hi, v)
			}
			*field(g) = n
			return nil
		},
		apply: apply,
	}
}

// msSetting is a duration key given in milliseconds, as in pgdog.toml; zero
// is accepted only where it means "off".
func msSetting(key string, zeroOK bool, field func(*config.General) *time.Duration, apply func(*Engine, *config.Config)) runtimeSetting {
	lo := int64(1)
	if zeroOK {
		lo = 0
	}
	return runtimeSetting{
		get: func(g *config.General) string { return strconv.FormatInt(field(g).Milliseconds(), 10) },
		parse: func(g *config.General, v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < lo || n > int64(365*24*time.Hour/time.Millisecond) {
				return fmt.Errorf("%s must be a whole number of milliseconds from %d, got %q", key, lo, v)
			}
			*field(g) = time.Duration(n) * time.Millisecond
			return nil
		},
		apply: apply,
	}
}

// RuntimeKeys lists the settings admin SET can change, sorted.
func RuntimeKeys() []string {
	keys := make([]string, 0, len(runtimeSettings))
	for k := range runtimeSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RuntimeValue is the value of the runtime setting key in g, as SHOW CONFIG prints it.
func RuntimeValue(g *config.General, key string) string { return runtimeSettings[key].get(g) }

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
	rs, ok := runtimeSettings[key]
	if !ok {
		return errorf(codec.CodeUndefinedObject, "unknown or read-only setting %q; settable: %s", key, strings.Join(RuntimeKeys(), ", "))
	}
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	cfg := *e.cfg.Load()
	if err := rs.parse(&cfg.General, value); err != nil {
		return errorf(codec.CodeInvalidParameterValue, "%v", err)
	}
	e.cfg.Store(&cfg)
	rs.apply(e, &cfg)
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
	cfg, err := config.Load(old.ConfigPath, old.UsersPath)
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
// a restart, warning about each one the files changed.
func keepRestartOnly(e *Engine, old, cfg *config.Config) {
	og, g := &old.General, &cfg.General
	type pair struct {
		key  string
		same bool
		keep func()
	}
	for _, p := range []pair{
		{"host", og.Host == g.Host, func() { g.Host = og.Host }},
		{"port", og.Port == g.Port, func() { g.Port = og.Port }},
		{"workers", og.Workers == g.Workers, func() { g.Workers = og.Workers }},
		{"max_message_size", og.MaxMessageSize == g.MaxMessageSize, func() { g.MaxMessageSize = og.MaxMessageSize }},
		{"openmetrics_port", og.OpenmetricsPort == g.OpenmetricsPort, func() { g.OpenmetricsPort = og.OpenmetricsPort }},
		{"openmetrics_host", og.OpenmetricsHost == g.OpenmetricsHost, func() { g.OpenmetricsHost = og.OpenmetricsHost }},
		{"admin", old.Admin == cfg.Admin || cfg.Admin.PasswordGenerated && old.Admin.Name == cfg.Admin.Name && old.Admin.User == cfg.Admin.User,
			func() { cfg.Admin = old.Admin }},
	} {
		if !p.same {
			e.log.Warn("reload: this setting needs a restart; the running value is kept", "key", p.key)
		}
		p.keep()
	}
}
