// background.go holds the console's and the metrics' engine-wide state, and the services Run starts beside the loops.

package engine

import (
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// adminState is the Engine's part for the console and the metrics.
type adminState struct {
	sessions adminSessions
	history  statsHistory
	metrics  *metrics.Set // created by New, served when openmetrics_port is set
}

// initAdmin prepares the console's and the metrics' state; New calls it.
func (e *Engine) initAdmin() {
	e.adm.history.start = time.Now()
	e.adm.metrics = e.newMetricsSet(e.cfg.Load().General.OpenmetricsNamespace)
}

// startBackground starts the stats sampler and, when configured, the
// metrics listener. The returned function stops both.
func (e *Engine) startBackground() (func(), error) {
	g := e.cfg.Load().General
	var ms *metricsServer
	if g.OpenmetricsPort > 0 {
		var err error
		if ms, err = e.startMetrics(g.OpenmetricsHost, g.OpenmetricsPort, e.adm.metrics); err != nil {
			return nil, err
		}
	}
	stop := make(chan struct{})
	go e.statsSampler(stop)
	return func() {
		close(stop)
		if ms != nil {
			ms.stop()
		}
	}, nil
}
