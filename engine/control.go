// control.go holds the engine's commands that act, for the admin console: PAUSE, RESUME, RECONNECT, RELOAD, SET and SHUTDOWN.

package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// Control is what the admin console may do to the engine. Every method may
// block (PAUSE waits for transactions in flight): never call one on a loop.
type Control interface {
	// Pause holds new transactions of database db's pools (every pool when
	// db is "") and returns once the ones in flight are over, or with an
	// error after shutdown_timeout (the pools stay paused).
	Pause(db string) error
	// Resume lets held transactions go.
	Resume(db string) error
	// Reconnect renews the pools' servers: each closes at its next release.
	Reconnect(db string) error
	// Reload re-reads the configuration files.
	Reload() error
	// Set changes one runtime setting.
	Set(key, value string) error
	// Shutdown starts a graceful shutdown and returns at once.
	Shutdown()
	// ResetMirrorStats empties the comparison of mirrored statements.
	ResetMirrorStats()
}

// Error is an error the engine reports to a console client with its SQLSTATE.
type Error struct {
	Code, Msg string
}

func (e *Error) Error() string { return e.Msg }

// errorf makes an *Error.
func errorf(code, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// SQLSTATEs only the console's commands use.
const (
	codeObjectInUse     = "55006"
	codeConfigFileError = "F0000"
)

// pausePoll is how often PAUSE checks for transactions still in flight.
const pausePoll = 10 * time.Millisecond

// Control returns the engine's Control.
func (e *Engine) Control() Control { return control{e} }

// control implements Control on an Engine.
type control struct{ e *Engine }

// poolsOf returns the running pools of database db, or all of them when db
// is ""; an unknown database is an error naming it.
func (e *Engine) poolsOf(cmd, db string) ([]*pool, error) {
	ps := e.pools.Load()
	if db == "" {
		return ps.list, nil
	}
	var out []*pool
	for _, p := range ps.list {
		if p.cfg.database == db {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, errorf(codec.CodeInvalidCatalog, "%s: database %q has no pools", cmd, db)
	}
	return out, nil
}

func (c control) Pause(db string) error {
	e := c.e
	pools, err := e.poolsOf("PAUSE", db)
	if err != nil {
		return err
	}
	set := map[*pool]bool{}
	for _, p := range pools {
		p.pause()
		set[p] = true
	}
	limit := e.cfg.Load().General.ShutdownTimeout
	deadline := time.Now().Add(limit)
	for {
		n, err := e.linkedIn(set)
		if err == nil && n == 0 {
			return nil
		}
		if time.Now().After(deadline) || e.shutdown.Load() {
			return errorf(codeObjectInUse, "PAUSE: %d transactions still in flight after %v; new transactions are held until RESUME", n, limit)
		}
		time.Sleep(pausePoll)
	}
}

// linkedIn counts the clients of the given pools that hold a server.
func (e *Engine) linkedIn(set map[*pool]bool) (int, error) {
	counts, err := onLoops(e, func(_ *loopState, clients []*client) int {
		n := 0
		for _, cl := range clients {
			if cl.state != clClosed && cl.server != nil && set[cl.pool] {
				n++
			}
		}
		return n
	})
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, err
}

func (c control) Resume(db string) error {
	pools, err := c.e.poolsOf("RESUME", db)
	if err != nil {
		return err
	}
	for _, p := range pools {
		p.resume()
	}
	return nil
}

func (c control) Reconnect(db string) error {
	pools, err := c.e.poolsOf("RECONNECT", db)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, p := range pools {
		p.reconnect(now)
	}
	return nil
}

func (c control) Reload() error {
	if err := c.e.Reload(); err != nil {
		return errorf(codeConfigFileError, "%v", err)
	}
	return nil
}

func (c control) Set(key, value string) error { return c.e.Set(key, value) }

// Shutdown starts the same graceful shutdown as SIGINT.
func (c control) ResetMirrorStats() { c.e.insight.Reset() }

func (c control) Shutdown() {
	go func() {
		if err := c.e.Shutdown(context.Background()); err != nil {
			c.e.log.Warn("shutdown", "err", err)
		}
	}()
}
