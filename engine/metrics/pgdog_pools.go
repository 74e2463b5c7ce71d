// pgdog_pools.go holds PgDog's per-pool families (max_connections .. sv_idle_xact): names, types, units and labels as PgDog exports them; times in milliseconds.

package metrics

import (
	"io"
	"time"
)

// perPool writes one sample per pool.
func perPool(v func(r *poolRow) float64) func(io.Writer, string, *scrape) {
	return func(w io.Writer, name string, s *scrape) {
		for i := range s.pools {
			r := &s.pools[i]
			writeFloat(w, name+"{"+r.labels+"}", v(r))
		}
	}
}

// ms is a duration in milliseconds, as PgDog reports times.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// none is a value pgdogd never has: two-phase commit is for sharding.
func none(*poolRow) float64 { return 0 }

// pgdogPools are PgDog's per-pool families, in PgDog's order. PgDog's
// received and sent count bytes from and to servers; avg_received is a
// counter as in PgDog.
var pgdogPools = []family{
	{"max_connections", gauge, "", "Maximum number of allowed server connections", perPool(func(r *poolRow) float64 { return float64(r.events.MaxConnections) })},
	{"cl_waiting", gauge, "", "Clients waiting for a connection from a pool.", perPool(func(r *poolRow) float64 { return float64(r.info.ClWaiting) })},
	{"sv_active", gauge, "", "Servers currently serving client requests.", perPool(func(r *poolRow) float64 { return float64(r.info.SvActive) })},
	{"sv_idle", gauge, "", "Servers available for clients to use.", perPool(func(r *poolRow) float64 { return float64(r.info.SvIdle) })},
	{"sv_locked", gauge, "", "Servers pinned to a client by session state, ineligible for transaction pooling.", perPool(func(r *poolRow) float64 { return float64(r.locked) })},
	{"maxwait", gauge, "seconds", "How long clients have been waiting for a connection.", perPool(func(r *poolRow) float64 { return r.info.MaxWait.Seconds() })},
	{"errors", counter, "", "Errors connections in the pool have experienced: failed server logins, servers lost while serving a client.", perPool(func(r *poolRow) float64 { return float64(r.events.Errors) })},
	{"out_of_sync", counter, "", "Connections that have been returned to the pool in a broken state (closed: their client left mid-transaction).", perPool(func(r *poolRow) float64 { return float64(r.events.OutOfSync) })},
	{"total_xact_count", counter, "", "Total number of executed transactions.", perPool(func(r *poolRow) float64 { return float64(r.info.Totals.Xacts) })},
	{"total_xact_2pc_count", counter, "", "Total number of executed two-phase commit transactions.", perPool(none)},
	{"avg_xact_count", gauge, "", "Average number of executed transactions per second over the statistics period.", perPool(func(r *poolRow) float64 { return r.avg.xacts })},
	{"avg_xact_2pc_count", gauge, "", "Average number of executed two-phase commit transactions per second over the statistics period.", perPool(none)},
	{"total_query_count", counter, "", "Total number of executed queries.", perPool(func(r *poolRow) float64 { return float64(r.info.Totals.Queries) })},
	{"avg_query_count", gauge, "", "Average number of executed queries per second over the statistics period.", perPool(func(r *poolRow) float64 { return r.avg.queries })},
	{"total_received", counter, "", "Total number of bytes received from servers.", perPool(func(r *poolRow) float64 { return float64(r.info.Totals.Sent) })},
	{"avg_received", counter, "", "Average number of bytes received from servers per second.", perPool(func(r *poolRow) float64 { return r.avg.received })},
	{"total_sent", counter, "", "Total number of bytes sent to servers.", perPool(func(r *poolRow) float64 { return float64(r.info.Totals.Received) })},
	{"avg_sent", gauge, "", "Average number of bytes sent to servers per second.", perPool(func(r *poolRow) float64 { return r.avg.sent })},
	{"total_xact_time", counter, "", "Total time spent executing transactions, in milliseconds.", perPool(func(r *poolRow) float64 { return ms(r.info.Totals.XactTime) })},
	{"avg_xact_time", gauge, "", "Average time spent executing a transaction, in milliseconds.", perPool(func(r *poolRow) float64 { return r.avg.xactTime })},
	{"total_query_time", counter, "", "Total time spent executing queries, in milliseconds.", perPool(func(r *poolRow) float64 { return ms(r.info.Totals.QueryTime) })},
	{"avg_query_time", gauge, "", "Average time spent executing a query, in milliseconds.", perPool(func(r *poolRow) float64 { return r.avg.queryTime })},
	{"total_prepared_evictions", counter, "", "Total number of prepared statements closed because of cache evictions.", perPool(func(r *poolRow) float64 { return float64(r.events.PreparedEvictions) })},
	{"avg_prepared_evictions", gauge, "", "Average number of prepared statements closed because of cache evictions, per second.", perPool(func(r *poolRow) float64 { return r.avg.evictions })},
	{"total_server_errors", counter, "", "Total number of errors returned by server connections.", perPool(func(r *poolRow) float64 { return float64(r.info.Totals.Errors) })},
	{"avg_server_errors", gauge, "", "Average number of errors returned by server connections, per second.", perPool(func(r *poolRow) float64 { return r.avg.serverErrors })},
	{"total_cleaned", counter, "", "Total number of times server connections were cleaned from client parameters (DISCARD ALL).", perPool(func(r *poolRow) float64 { return float64(r.events.Cleaned) })},
	{"avg_cleaned", gauge, "", "Average number of times server connections were cleaned from client parameters, per second.", perPool(func(r *poolRow) float64 { return r.avg.cleaned })},
	{"total_client_idle_xact_timeouts", counter, "", "Total number of clients disconnected for exceeding client_idle_in_transaction_timeout.", perPool(func(r *poolRow) float64 { return float64(r.events.IdleTxTimeouts) })},
	{"avg_client_idle_xact_timeouts", gauge, "", "Average number of clients disconnected for exceeding client_idle_in_transaction_timeout, per second.", perPool(func(r *poolRow) float64 { return r.avg.idleTxTimeouts })},
	{"total_connect_time", counter, "", "Total time spent connecting to servers, in milliseconds.", perPool(func(r *poolRow) float64 { return ms(r.events.ConnectTime) })},
	{"avg_connect_time", gauge, "", "Average time spent connecting to a server, in milliseconds.", perPool(func(r *poolRow) float64 { return r.avg.connectTime })},
	{"total_connect_count", counter, "", "Total number of connections established to servers.", perPool(func(r *poolRow) float64 { return float64(r.events.Connects) })},
	{"avg_connect_count", gauge, "", "Average number of connections established to servers, per second.", perPool(func(r *poolRow) float64 { return r.avg.connects })},
	{"sv_idle_xact", gauge, "", "Servers currently idle in transaction.", perPool(func(r *poolRow) float64 { return float64(r.info.SvIdleXact) })},
}
