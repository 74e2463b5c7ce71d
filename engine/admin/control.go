// control.go holds the console's commands that act: PAUSE, RESUME, RECONNECT, RELOAD and SHUTDOWN.

package admin

import (
	"strings"

	"github.com/pgdogd/pgdogd/codec"
)

// database is the optional database argument of PAUSE, RESUME and RECONNECT ("" for all).
func database(cmd string, args []string) (string, error) {
	switch len(args) {
	case 0:
		return "", nil
	case 1:
		return strings.Trim(args[0], `"'`), nil
	}
	return "", adminErrorf(codec.CodeSyntaxError, "usage: %s [database]", cmd)
}

// onDatabase makes a command of a Control method taking a database.
func onDatabase(cmd string, act func(c *Console, db string) error) adminCommand {
	return func(c *Console, args []string) (*resultSet, error) {
		db, err := database(cmd, args)
		if err != nil {
			return nil, err
		}
		if err := act(c, db); err != nil {
			return nil, err
		}
		return &resultSet{tag: cmd}, nil
	}
}

// adminPause holds new transactions and answers once the ones in flight
// are over, or with an error after shutdown_timeout (the pools stay paused).
var adminPause = onDatabase("PAUSE", func(c *Console, db string) error { return c.ctl.Pause(db) })

var adminResume = onDatabase("RESUME", func(c *Console, db string) error { return c.ctl.Resume(db) })

var adminReconnect = onDatabase("RECONNECT", func(c *Console, db string) error { return c.ctl.Reconnect(db) })

func adminReload(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("RELOAD", args); err != nil {
		return nil, err
	}
	if err := c.ctl.Reload(); err != nil {
		return nil, err
	}
	return &resultSet{tag: "RELOAD"}, nil
}

// adminShutdown starts the same graceful shutdown as SIGINT and answers at once.
func adminShutdown(c *Console, args []string) (*resultSet, error) {
	if err := noArgs("SHUTDOWN", args); err != nil {
		return nil, err
	}
	c.ctl.Shutdown()
	return &resultSet{tag: "SHUTDOWN"}, nil
}
