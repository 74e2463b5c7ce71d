// replicas.go holds a database's replicas: routing a transaction that only reads to one of them, load balancing, and bans.

package engine

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/prepared"
)

// replicaState is what a pool of a replica keeps beside its servers.
type replicaState struct {
	bannedUntil atomic.Int64 // unix nanoseconds the ban lasts at least until; 0 when not banned
	banReason   atomic.Pointer[string]
	bans        atomic.Int64 // times banned
	unbans      atomic.Int64
	routed      atomic.Int64 // transactions sent here to read
	checks      atomic.Int64 // health checks run
	checkFails  atomic.Int64 // of which failed
	probing     atomic.Bool  // a check after a lost connection runs (checkNow)
}

// banned reports whether the replica is banned: from a failure until a health check
// passes, at least ban_timeout later.
func (p *pool) banned() bool { return p.replica.bannedUntil.Load() != 0 }

// isReplica reports whether p serves one of its database's replicas.
func (p *pool) isReplica() bool { return p.home != nil }

// role is the pool's role as SHOW POOLS shows it.
func (p *pool) role() string {
	if p.isReplica() {
		return config.RoleReplica
	}
	return config.RolePrimary
}

// route picks the pool that serves the transaction whose first frames start buf: one of
// the database's replicas when the transaction only reads, else the client's own pool.
//
// As in PgDog, a client picks the role itself with a comment on the statement
// (/* pgdog_role: primary */, or replica) or, for its session, with the setting
// pgdog.role (SET, or options=-c pgdog.role=primary at startup): primary keeps
// everything on its own pool, replica sends even writes to a replica. The
// prefer-* and any hints keep the routing by what the statement does.
func (cl *client) route(buf []byte) *pool {
	home := cl.pool
	if len(home.replicas) == 0 || home.cfg.mode == config.ModeSession {
		return home
	}
	switch cl.roleAsked(buf) {
	case "primary", "force-primary":
		return home
	case "replica", "force-replica":
		return home.pickRead(nil, true)
	}
	if !cl.readsOnly(buf) {
		return home
	}
	return home.pickRead(nil, false)
}

// roleAsked is the role the transaction's first frame asks for in a pgdog_role comment,
// else the session's pgdog.role setting, else "".
func (cl *client) roleAsked(buf []byte) string {
	var w codec.Walker
	if p, err := w.Next(buf); err == nil && p.Whole() {
		text := p.Body()
		if p.Type == codec.MsgParse {
			_, text, _, _ = prepared.ParseBody(text)
		}
		if p.Type == codec.MsgQuery || p.Type == codec.MsgParse {
			if role, ok := sqlscan.RoleHint(text); ok {
				return role
			}
		}
	}
	if cl.roleSet {
		return cl.role
	}
	role, _ := cl.params.Get("pgdog.role")
	return role
}

// noteRole follows the client's SET pgdog.role TO 'value' and RESET pgdog.role (or RESET
// ALL) in a Query's statements. SET LOCAL is not followed: it lasts one transaction.
func (cl *client) noteRole(sql []byte) {
	stmts := sqlscan.Split(sql)
	for {
		stmt, _, ok := stmts.Next()
		if !ok {
			return
		}
		if value, ok := roleSetting(stmt); ok {
			cl.role, cl.roleSet = value, true
		}
	}
}

// roleSetting reads a statement that sets pgdog.role (its value) or resets it ("", by
// RESET pgdog.role or RESET ALL); ok is false for any other statement.
func roleSetting(stmt []byte) (value string, ok bool) {
	toks := sqlscan.Tokenize(stmt)
	t, ok := toks.Next()
	reset := ok && t.Is(stmt, "reset")
	if !ok || !reset && !t.Is(stmt, "set") {
		return "", false
	}
	if t, ok = toks.Next(); ok && t.Is(stmt, "session") && !reset {
		t, ok = toks.Next()
	}
	if reset && ok && t.Is(stmt, "all") {
		return "", true
	}
	if !ok || !t.Is(stmt, "pgdog") {
		return "", false
	}
	if t, ok = toks.Next(); !ok || string(t.Text(stmt)) != "." {
		return "", false
	}
	if t, ok = toks.Next(); !ok || !t.Is(stmt, "role") {
		return "", false
	}
	if reset {
		return "", true
	}
	if t, ok = toks.Next(); !ok || !(t.Is(stmt, "to") || string(t.Text(stmt)) == "=") {
		return "", false
	}
	if t, ok = toks.Next(); !ok {
		return "", false
	}
	v := string(t.Text(stmt))
	if t.Kind == sqlscan.String && len(v) >= 2 {
		v = v[1 : len(v)-1]
	}
	return strings.ToLower(v), true
}

// readsOnly reports whether the frames at the start of buf, up to the first sync point
// (a Query, or a Sync after extended-protocol frames), only read. A transaction that is
// not all in buf yet, or that holds anything else than Parse, Bind, Describe, Execute and
// Flush before its Sync, does not.
func (cl *client) readsOnly(buf []byte) bool {
	var w codec.Walker
	var unnamed []byte
	reads := false
	for len(buf) > 0 {
		p, err := w.Next(buf)
		if err != nil || !p.Whole() {
			return false
		}
		buf = buf[len(p.Bytes):]
		body := p.Body()
		switch p.Type {
		case codec.MsgQuery:
			// A simple query is its own sync point; BEGIN READ ONLY starts a transaction
			// that can only read.
			return sqlscan.ReadOnly(body) || sqlscan.BeginsReadOnly(body)
		case codec.MsgParse:
			// A statement prepared: it must only read.
			name, query, _, ok := prepared.ParseBody(body)
			if !ok || !sqlscan.ReadOnly(query) {
				return false
			}
			if len(name) == 0 {
				unnamed = query
			}
		case codec.MsgBind:
			// A portal of a statement: of one prepared in these frames, or known to pgdogd.
			if !cl.bindReads(body, unnamed) {
				return false
			}
			reads = true
		case codec.MsgDescribe, codec.MsgExecute, codec.MsgFlush:
			// Nothing more to know.
		case codec.MsgSync:
			// The end of the transaction's first request cycle.
			return reads
		default:
			return false
		}
	}
	return false
}

// bindReads reports whether a Bind's statement only reads: the unnamed one parsed in the
// same frames, or a named one whose text pgdogd keeps.
func (cl *client) bindReads(body, unnamed []byte) bool {
	_, rest, ok := prepared.CString(body)
	if !ok {
		return false
	}
	name, _, ok := prepared.CString(rest)
	if !ok {
		return false
	}
	if len(name) == 0 {
		return unnamed != nil
	}
	st := cl.stmts.named[string(name)]
	return st != nil && st.Reads
}

// pickRead chooses the pool a read goes to among the replicas that are not banned (and
// the primary, as read_write_split says), by load_balancing_strategy; the primary when
// none is left. except, when set, is not chosen; asked says the client asked for a
// replica (pgdog_role), which read_write_split = prefer_primary waits for.
func (p *pool) pickRead(except *pool, asked bool) *pool {
	home := p
	st := replicaSettingsOf(home.e.cfg.Load())
	var buf [8]*pool
	cands := buf[:0]
	anyBanned := false
	for _, r := range home.replicas {
		banned := r.banned()
		anyBanned = anyBanned || banned
		if banned || r == except {
			continue
		}
		cands = append(cands, r)
	}
	switch {
	case st.split == config.SplitPreferPrimary && !asked:
		return home // reads go to a replica only when the client asks
	case st.split == config.SplitIncludePrimary, st.split == config.SplitIncludePrimaryIfReplicaBanned && anyBanned,
		len(cands) == 0:
		cands = append(cands, home)
	}
	var to *pool
	switch st.strategy {
	case config.BalanceRoundRobin:
		to = cands[int(home.rr.Add(1)%uint64(len(cands)))]
	case config.BalanceLeastActiveConnections:
		to = leastActive(cands)
	default:
		to = cands[rand.IntN(len(cands))]
	}
	if to.isReplica() {
		to.replica.routed.Add(1)
	}
	return to
}

// leastActive is the pool with the fewest servers in use.
func leastActive(cands []*pool) *pool {
	best, bestN := cands[0], -1
	for _, p := range cands {
		p.mu.Lock()
		n := p.total - p.idle.Len()
		p.mu.Unlock()
		if bestN < 0 || n < bestN {
			best, bestN = p, n
		}
	}
	return best
}

// waitPool is the pool the client waits in, or would: its own, or the replica its
// transaction was routed to.
func (cl *client) waitPool() *pool {
	if cl.via != nil && cl.state == clWaiting {
		return cl.via
	}
	return cl.pool
}

// ban takes the replica out of the rotation for ban_timeout: reads go elsewhere, and the
// clients waiting for one of its servers are sent elsewhere too, with no error.
func (p *pool) ban(reason string) {
	st := replicaSettingsOf(p.e.cfg.Load())
	now := time.Now()
	was := p.banned()
	p.replica.bannedUntil.Store(now.Add(st.banTimeout).UnixNano())
	p.replica.banReason.Store(&reason)
	if !was {
		p.replica.bans.Add(1)
		p.e.log.Warn("replica banned", "database", p.cfg.database, "user", p.cfg.user, "host", p.cfg.host,
			"port", p.cfg.port, "reason", reason, "for", st.banTimeout)
	}
	p.mu.Lock()
	moved := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	for _, cl := range moved {
		cl.loop.run(func() { cl.reroute(p) })
	}
}

// unban puts the replica back in the rotation, after a health check it passed.
func (p *pool) unban() {
	if p.replica.bannedUntil.Swap(0) == 0 {
		return
	}
	p.replica.unbans.Add(1)
	p.e.log.Info("replica unbanned", "database", p.cfg.database, "user", p.cfg.user, "host", p.cfg.host,
		"port", p.cfg.port, "reason", "health check passed")
}

// reroute runs on cl's loop when the replica it waited for was banned: its read, not sent
// yet, waits for a server of another read target.
func (cl *client) reroute(from *pool) {
	if cl.state != clWaiting || cl.via != from {
		return // served, gone, or moved meanwhile
	}
	cl.via = cl.pool.pickRead(from, false)
	if s := cl.via.checkout(cl); s != nil {
		cl.serve(s)
	}
}

// replicaSet describes database name's replicas, for a pool's identity across RELOADs.
func replicaSet(cfg *config.Config, name string) string {
	var b []byte
	for _, r := range replicaEntries(cfg, name) {
		b = fmt.Appendf(b, "%s:%d/%s,", r.Host, r.Port, first(r.DatabaseName, r.Name))
	}
	return string(b)
}

// newReplicaPools makes the pools of home's user on each replica of its database, and
// starts their health checks.
func newReplicaPools(e *Engine, cfg *config.Config, home *pool) []*pool {
	u, _ := cfg.User(home.cfg.user, home.cfg.database)
	var out []*pool
	for _, r := range replicaEntries(cfg, home.cfg.database) {
		rc := home.cfg
		rc.host, rc.port, rc.dbname = r.Host, r.Port, first(r.DatabaseName, r.Name)
		if u != nil {
			rc.serverUser, rc.serverPasswords, rc.ownPasswords = serverCredentials(u, &r)
		}
		rp := newPool(e, rc)
		rp.home, rp.secrets = home, home.secrets
		out = append(out, rp)
		go rp.healthLoop()
	}
	return out
}

// replicaInfo is the pool's role, ban and counters, for SHOW POOLS and the metrics.
func (p *pool) replicaInfo() ReplicaInfo {
	r := &p.replica
	info := ReplicaInfo{Role: p.role(), Banned: p.banned(), Bans: r.bans.Load(), Unbans: r.unbans.Load(),
		Checks: r.checks.Load(), CheckFailures: r.checkFails.Load(), Reads: r.routed.Load()}
	if reason := r.banReason.Load(); reason != nil && info.Banned {
		info.BanReason = *reason
	}
	return info
}

// beginTag is the reply pgdogd gives a BEGIN it holds back: CommandComplete "BEGIN".
var beginTag = []byte{codec.MsgCommandComplete, 0, 0, 0, 10, 'B', 'E', 'G', 'I', 'N', 0}

// holdBegin answers a BEGIN that stands alone, with read_write_strategy = "aggressive",
// without a server: the transaction is routed by its first statement after it (as PgDog
// does), and the BEGIN goes to that server first, its answer hidden (link). It reports
// whether it took frame, a whole Query at the start of the client's buffer.
func (cl *client) holdBegin(p *codec.Piece) bool {
	home := cl.pool
	if len(home.replicas) == 0 || home.cfg.mode == config.ModeSession || p.Type != codec.MsgQuery || !p.Whole() ||
		cl.e.cfg.Load().General.ReadWriteStrategy != config.StrategyAggressive {
		return false
	}
	sql := p.Body()
	if len(cl.heldBegin) > 0 || !sqlscan.StartsTransaction(sql) || sqlscan.BeginsReadOnly(sql) || !oneStatement(sql) {
		return false
	}
	if role := cl.roleAsked(p.Bytes); role == "primary" || role == "force-primary" {
		return false
	}
	cl.heldBegin = append(cl.heldBegin[:0], p.Bytes...)
	if cl.cap.buf != nil {
		cl.captureRequest(p.Bytes) // the mirror runs the BEGIN as the client sent it
	}
	reply := codec.AppendReadyForQuery(append(cl.loop.scratch[:0], beginTag...), 'T')
	if cl.cap.compare {
		cl.cap.reply(beginTag)
		cl.cap.reply(reply[len(beginTag):])
	}
	_, _ = cl.conn.Write(reply)
	cl.loop.scratch = reply[:0]
	return true
}

// oneStatement reports whether sql holds a single statement.
func oneStatement(sql []byte) bool {
	stmts := sqlscan.Split(sql)
	_, _, ok := stmts.Next()
	_, _, more := stmts.Next()
	return ok && !more
}

// sendHeldBegin appends the BEGIN the client's transaction started with, held back until
// a server was chosen, to b as pgdogd's own request (its answer is hidden).
func (cl *client) sendHeldBegin(s *server, b []byte) []byte {
	if len(cl.heldBegin) == 0 {
		return b
	}
	b = append(b, cl.heldBegin...)
	cl.heldBegin = cl.heldBegin[:0]
	s.l.sentOwn()
	return b
}
