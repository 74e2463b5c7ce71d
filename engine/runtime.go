// runtime.go holds the settings that change without a restart: SET from the admin console, and RELOAD.
package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/config"
)

// runtimeSetting is one key SET can change: how to read it and how to apply a new value.
type runtimeSetting struct {
	get   func(g *config.General) string
	apply func(e *Engine, g *config.General, v string) error
}

var runtimeSettings = map[string]runtimeSetting{
	"mirror_exposure": {
		get: func(g *config.General) string { return strconv.FormatFloat(g.MirrorExposure, 'g', -1, 64) },
		apply: func(e *Engine, g *config.General, v string) error {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > 1 {
				return fmt.Errorf("mirror_exposure must be a number from 0.0 to 1.0, got %q", v)
			}
			g.MirrorExposure = x
			e.eachMirror(func(d *mirrorDest) { d.setExposure(x) })
			return nil
		},
	},
	"mirror_queue": {
		get: func(g *config.General) string { return strconv.Itoa(g.MirrorQueue) },
		apply: func(e *Engine, g *config.General, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1<<20 {
				return fmt.Errorf("mirror_queue must be a whole number from 1 to 1048576, got %q", v)
			}
			g.MirrorQueue = n
			e.eachMirror(func(d *mirrorDest) { d.queueLen.Store(int64(n)) })
			return nil
		},
	},
}

func runtimeKeys() []string {
	keys := make([]string, 0, len(runtimeSettings))
	for k := range runtimeSettings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (e *Engine) runtimeValue(key string, g *config.General) string {
	return runtimeSettings[key].get(g)
}

func (e *Engine) eachMirror(f func(*mirrorDest)) {
	for _, p := range e.pools.Load().list {
		for _, d := range p.mirrors {
			f(d)
		}
	}
}

// adminSet runs SET key TO value (or key = value).
func adminSet(e *Engine, args []string) (*resultSet, error) {
	stmt := strings.Join(args, " ")
	key, value, ok := strings.Cut(stmt, "=")
	if !ok {
		if i := strings.Index(strings.ToLower(stmt), " to "); i >= 0 {
			key, value, ok = stmt[:i], stmt[i+4:], true
		}
	}
	key = strings.ToLower(strings.TrimSpace(key))
	value = strings.Trim(strings.TrimSpace(value), "'\"")
	if !ok || key == "" {
		return nil, adminErrorf(codec.CodeSyntaxError, "usage: SET key TO 'value'")
	}
	if err := e.Set(key, value); err != nil {
		return nil, err
	}
	return &resultSet{tag: "SET"}, nil
}

// Set changes one runtime setting for the whole process; connected clients
// follow it from their next transaction.
func (e *Engine) Set(key, value string) error {
	rs, ok := runtimeSettings[key]
	if !ok {
		return adminErrorf(codec.CodeUndefinedObject, "unknown or read-only setting %q; settable: %s", key, strings.Join(runtimeKeys(), ", "))
	}
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	cfg := *e.cfg.Load()
	if err := rs.apply(e, &cfg.General, value); err != nil {
		return adminErrorf(codec.CodeInvalidParameterValue, "%v", err)
	}
	e.cfg.Store(&cfg)
	e.log.Info("setting changed", "key", key, "value", value)
	return nil
}

// Reload re-reads both configuration files. A file with errors changes
// nothing and every problem is returned; otherwise the mirrors' exposure and
// queue lengths follow the files.
func (e *Engine) Reload() error {
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	old := e.cfg.Load()
	cfg, err := config.Load(old.ConfigPath, old.UsersPath)
	if err != nil {
		e.log.Error("reload refused: configuration has errors", "err", err)
		return fmt.Errorf("reload refused, configuration unchanged: %w", err)
	}
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
	e.cfg.Store(cfg)
	e.log.Info("configuration reloaded", "config", cfg.ConfigPath, "users", cfg.UsersPath)
	return nil
}

func (e *Engine) ctx() context.Context { return context.Background() }
