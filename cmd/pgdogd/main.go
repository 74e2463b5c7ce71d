// Command pgdogd is the pooler's command line: run the pooler, or check a configuration.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/admin"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/metrics"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pgdogd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("c", "pgdog.toml", "path to pgdog.toml")
	usersPath := fs.String("u", "users.toml", "path to users.toml")
	level := fs.String("log-level", "info", "log level: debug, info, warn, error")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until exit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pgdogd [-c pgdog.toml] [-u users.toml] [configcheck]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "pgdogd: bad -log-level %q\n", *level)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := config.Load(*cfgPath, *usersPath)
	if err != nil {
		fmt.Fprintf(stderr, "pgdogd: configuration has errors:\n%v\n", err)
		return 1
	}
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	switch fs.Arg(0) {
	case "configcheck":
		if err := cfg.Print(stdout); err != nil {
			fmt.Fprintf(stderr, "pgdogd: %v\n", err)
			return 1
		}
		return 0
	case "":
	default:
		fmt.Fprintf(stderr, "pgdogd: unknown command %q\n", fs.Arg(0))
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "pgdogd: cannot create CPU profile: %v\n", err)
			return 1
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "pgdogd: cannot start CPU profile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	return serve(cfg, log)
}

// serve runs the engine until SIGINT or SIGTERM, then shuts it down gracefully.
func serve(cfg *config.Config, log *slog.Logger) int {
	e, err := engine.New(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	con := admin.New(e.Snapshot(), e.Control())
	e.SetConsole(con)
	stop := make(chan struct{})
	defer close(stop)
	go con.Sample(stop)
	if g := cfg.General; g.OpenmetricsPort > 0 {
		ms, err := metrics.Start(e.MetricsSnapshot(), g.OpenmetricsHost, g.OpenmetricsPort, g.OpenmetricsNamespace, log)
		if err != nil {
			log.Error("cannot start", "err", err)
			return 1
		}
		defer ms.Stop()
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan error, 1)
	go func() { done <- e.Run() }()
	for {
		select {
		case err := <-done:
			if err != nil {
				log.Error("stopped", "err", err)
				return 1
			}
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				_ = e.Reload() // errors are logged
				continue
			}
			log.Info("signal received", "signal", sig.String())
			go func() {
				if err := e.Shutdown(context.Background()); err != nil {
					log.Warn("shutdown", "err", err)
				}
			}()
		}
	}
}
