// Command pgdogd is the pooler's command line: run the pooler, or check a configuration.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/config"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit code: 0, 1 when the
// configuration or the pooler fails, 2 for a command line it cannot run.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return 2
	case o.version:
		fmt.Fprintf(stdout, "pgdogd %s\n", engine.Version)
		return 0
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(stderr, "pgdogd: bad --log-level %q\n", o.logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := config.LoadFrom(o.configPath, o.usersPath, config.Sources{Overrides: o.overrides, DatabaseURLs: o.databaseURLs})
	if err != nil {
		fmt.Fprintf(stderr, "pgdogd: configuration has errors:\n%v\n", err)
		return 1
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	if o.command == "configcheck" {
		return configcheck(cfg, log, stdout, stderr)
	}
	stopProfile, err := startProfile(o.cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "pgdogd: %v\n", err)
		return 1
	}
	defer stopProfile()
	return serveConfig(cfg, log)
}

// configcheck builds the engine as the start does, without serving, so that
// a configuration it accepts also starts; then prints the configuration.
func configcheck(cfg *config.Config, log *slog.Logger, stdout, stderr io.Writer) int {
	if _, err := engine.New(cfg, log); err != nil {
		fmt.Fprintf(stderr, "pgdogd: configuration cannot start: %v\n", err)
		return 1
	}
	if err := cfg.Print(stdout); err != nil {
		fmt.Fprintf(stderr, "pgdogd: %v\n", err)
		return 1
	}
	return 0
}

// startProfile starts a CPU profile into path, when given, and returns what stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("cannot start CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
