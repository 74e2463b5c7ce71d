// Serving: the engine, the admin console and the metrics, run until a signal stops them.

package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/pgdogd/pgdogd/engine"
	"github.com/pgdogd/pgdogd/engine/admin"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/metrics"
)

// serveConfig runs the pooler on cfg and returns the exit code; tests replace it.
var serveConfig = serve

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
	return runUntilStopped(e, log)
}

// runUntilStopped runs e, reloading on SIGHUP and shutting down on SIGINT or SIGTERM.
func runUntilStopped(e *engine.Engine, log *slog.Logger) int {
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
