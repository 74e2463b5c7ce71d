// admin_control.go holds the console's commands that act: PAUSE, RESUME, RECONNECT, RELOAD and SHUTDOWN.

package engine

import (
	"strings"
	"time"

	"github.com/pgdogd/pgdogd/codec"
)

// pausePoll is how often PAUSE checks for transactions still in flight.
const pausePoll = 10 * time.Millisecond

// poolsOf returns the running pools of database db, or all of them when
// args is empty; an unknown database is an error naming it.
func (e *Engine) poolsOf(cmd string, args []string) ([]*pool, error) {
	if len(args) > 1 {
		return nil, adminErrorf(codec.CodeSyntaxError, "usage: %s [database]", cmd)
	}
	ps := e.pools.Load()
	if len(args) == 0 {
		return ps.list, nil
	}
	db := strings.Trim(args[0], `"'`)
	var out []*pool
	for _, p := range ps.list {
		if p.cfg.database == db {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, adminErrorf(codec.CodeInvalidCatalog, "%s: database %q has no pools", cmd, db)
	}
	return out, nil
}

// adminPause holds new transactions and answers once the ones in flight
// are over, or with an error after shutdown_timeout (the pools stay paused).
func adminPause(e *Engine, args []string) (*resultSet, error) {
	pools, err := e.poolsOf("PAUSE", args)
	if err != nil {
		return nil, err
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
			return &resultSet{tag: "PAUSE"}, nil
		}
		if time.Now().After(deadline) || e.shutdown.Load() {
			return nil, adminErrorf(codeObjectInUse, "PAUSE: %d transactions still in flight after %v; new transactions are held until RESUME", n, limit)
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

func adminResume(e *Engine, args []string) (*resultSet, error) {
	pools, err := e.poolsOf("RESUME", args)
	if err != nil {
		return nil, err
	}
	for _, p := range pools {
		p.resume()
	}
	return &resultSet{tag: "RESUME"}, nil
}

func adminReconnect(e *Engine, args []string) (*resultSet, error) {
	pools, err := e.poolsOf("RECONNECT", args)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for _, p := range pools {
		p.reconnect(now)
	}
	return &resultSet{tag: "RECONNECT"}, nil
}

func adminReload(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("RELOAD", args); err != nil {
		return nil, err
	}
	if err := e.Reload(); err != nil {
		return nil, adminErrorf(codeConfigFileError, "%v", err)
	}
	return &resultSet{tag: "RELOAD"}, nil
}

// adminShutdown starts the same graceful shutdown as SIGINT and answers at once.
func adminShutdown(e *Engine, args []string) (*resultSet, error) {
	if err := noArgs("SHUTDOWN", args); err != nil {
		return nil, err
	}
	go func() {
		if err := e.Shutdown(e.ctx()); err != nil {
			e.log.Warn("shutdown", "err", err)
		}
	}()
	return &resultSet{tag: "SHUTDOWN"}, nil
}
