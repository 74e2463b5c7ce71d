// server.go holds the metrics endpoint: an HTTP listener serving the metric families' text exposition and the /mirror report.

package metrics

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/pgdogd/pgdogd/engine"
)

// Server serves the text exposition at /metrics and /, the comparison of
// mirrored statements as a web page at /mirror.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	set  *metrics.Set
	stop chan struct{} // ends the averages' goroutine
}

// Start listens on host:port and serves the engine's metrics, their names
// prefixed with namespace as it is, on its own goroutine, away from the
// event loops; another goroutine recomputes the averages every stats period.
func Start(snap engine.MetricsSnapshot, host string, port int, namespace string, log *slog.Logger) (*Server, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for metrics on %s: %w", addr, err)
	}
	avg := newAverager(time.Now())
	ms := &Server{ln: ln, set: newSet(snap, namespace, avg), stop: make(chan struct{})}
	go avg.averageEvery(snap, statsPeriod, ms.stop)
	exposition := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		ms.set.WritePrometheus(w)
	})
	mux := http.NewServeMux()
	mux.Handle("/{$}", exposition)
	mux.Handle("/metrics", exposition)
	mux.Handle("/mirror", reportHandler(snap, log))
	ms.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := ms.srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", ln.Addr().String())
	return ms, nil
}

// Addr is the address the endpoint listens on.
func (ms *Server) Addr() net.Addr { return ms.ln.Addr() }

// Stop closes the listener and every scrape in progress, and ends the
// averages' goroutine.
func (ms *Server) Stop() {
	close(ms.stop)
	_ = ms.srv.Close()
}
