// The command line: PgDog's flags and subcommands, parsed into options, and the help that lists them.

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
)

// options is what the command line asks for.
type options struct {
	configPath, usersPath string
	logLevel, cpuProfile  string
	version               bool
	databaseURLs          []string          // PgDog's --database-url, repeated
	command               string            // "run" (also when none is given) or "configcheck"
	overrides             map[string]string // [general] keys set by run's flags
}

// errUsage is a command line that cannot be run; its message is already written.
var errUsage = errors.New("usage error")

// pgdogOnlyCommands are PgDog's subcommands pgdogd does not implement, with why.
var pgdogOnlyCommands = map[string]string{
	"fingerprint":           "it needs PgDog's query parser",
	"route":                 "it needs PgDog's query router",
	"data-sync":             "pgdogd does not shard or reshard",
	"schema-sync":           "pgdogd does not shard or reshard",
	"setup":                 "pgdogd does not shard",
	"replicate-and-cutover": "pgdogd does not shard or reshard",
	"hash":                  "password_hash is not implemented",
}

// parseArgs reads the options PgDog's command line accepts: the options,
// then a subcommand and its own options (the global ones are accepted
// after the subcommand too). Help goes to stdout, errors to stderr; it
// returns flag.ErrHelp after the help, errUsage after an error.
func parseArgs(args []string, stdout, stderr io.Writer) (*options, error) {
	o := &options{configPath: "pgdog.toml", usersPath: "users.toml", logLevel: "info",
		command: "run", overrides: map[string]string{}}
	fs := newFlagSet(o, false, stderr)
	if err := parse(fs, args, stdout); err != nil {
		return nil, err
	}
	if fs.NArg() == 0 {
		return o, nil
	}
	o.command = fs.Arg(0)
	switch why, pgdogOnly := pgdogOnlyCommands[o.command]; {
	case o.command == "run" || o.command == "configcheck":
	case pgdogOnly:
		fmt.Fprintf(stderr, "pgdogd: PgDog's %q command is not implemented: %s\n", o.command, why)
		return nil, errUsage
	default:
		fmt.Fprintf(stderr, "pgdogd: unknown command %q; see pgdogd --help\n", o.command)
		return nil, errUsage
	}
	sub := newFlagSet(o, o.command == "run", stderr)
	if err := parse(sub, fs.Args()[1:], stdout); err != nil {
		return nil, err
	}
	if sub.NArg() > 0 {
		fmt.Fprintf(stderr, "pgdogd: unexpected argument %q after %s\n", sub.Arg(0), o.command)
		return nil, errUsage
	}
	return o, nil
}

// parse parses args with fs, writing the help to stdout when asked for.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		writeHelp(stdout)
		return flag.ErrHelp
	case err != nil:
		fmt.Fprintln(fs.Output(), "see pgdogd --help")
		return errUsage
	}
	return nil
}

// newFlagSet declares the global options, in PgDog's short and long
// spellings (pgdogd's own -log-level and -cpuprofile too), and with run,
// run's options. Their defaults are o's values: what was parsed before.
func newFlagSet(o *options, run bool, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pgdogd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // the help is written by parse, to stdout
	for _, name := range []string{"c", "config"} {
		fs.StringVar(&o.configPath, name, o.configPath, "path to pgdog.toml")
	}
	for _, name := range []string{"u", "users"} {
		fs.StringVar(&o.usersPath, name, o.usersPath, "path to users.toml")
	}
	for _, name := range []string{"d", "database-url", "database_url"} {
		fs.Func(name, "a postgres:// URL replacing the files' databases and users (repeatable)", func(s string) error {
			o.databaseURLs = append(o.databaseURLs, s)
			return nil
		})
	}
	fs.StringVar(&o.logLevel, "log-level", o.logLevel, "log level: debug, info, warn, error")
	fs.StringVar(&o.cpuProfile, "cpuprofile", o.cpuProfile, "write a CPU profile to this file until exit")
	for _, name := range []string{"V", "version"} {
		fs.BoolVar(&o.version, name, o.version, "print the version and exit")
	}
	if run {
		for _, f := range runFlags {
			fs.Func(f.short, f.usage, f.set(o))
			fs.Func(f.long, f.usage, f.set(o))
		}
	}
	return fs
}

// runFlag is one of PgDog's run options: it sets a [general] key.
type runFlag struct {
	short, long, usage string
	key                string
	value              func(s string) (string, error) // the key's value for the flag's text
}

// runFlags are PgDog's `run` options.
var runFlags = []runFlag{
	{"p", "pool-size", "default_pool_size", "default_pool_size", wholeNumber},
	{"m", "min-pool-size", "min_pool_size", "min_pool_size", wholeNumber},
	{"s", "session-mode", "true: pooler_mode is session", "pooler_mode", sessionMode},
}

// set returns the flag's setter for o.
func (f runFlag) set(o *options) func(string) error {
	return func(s string) error {
		v, err := f.value(s)
		if err != nil {
			return err
		}
		if v != "" {
			o.overrides[f.key] = v
		}
		return nil
	}
}

func wholeNumber(s string) (string, error) {
	if _, err := strconv.ParseUint(s, 10, 31); err != nil {
		return "", fmt.Errorf("want a whole number, got %q", s)
	}
	return s, nil
}

// sessionMode is PgDog's --session-mode: true selects session mode, false leaves the mode alone.
func sessionMode(s string) (string, error) {
	on, err := strconv.ParseBool(s)
	switch {
	case err != nil:
		return "", fmt.Errorf("want true or false, got %q", s)
	case on:
		return "session", nil
	}
	return "", nil
}
