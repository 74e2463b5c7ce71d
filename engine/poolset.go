// poolset.go holds the set of pools built from a configuration, looked up by (user, database), and its rebuild at RELOAD.

package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/config"
	"github.com/pgdogd/pgdogd/engine/mirroring"
	pooling "github.com/pgdogd/pgdogd/engine/pool"
)

type poolKey struct{ user, database string }

// poolSet is immutable once built; a reload builds a new one.
type poolSet struct {
	byKey   map[poolKey]*pool
	dbs     map[string]bool
	sharded map[string]bool // sharded databases: configured, but refused (pgdogd does not shard)
	list    []*pool
}

// buildPools makes one pool per users.toml entry. With old set, a pool
// whose settings (apart from its limits) and mirrors did not change is the
// old *pool itself, servers included, with its limits updated by the caller.
func buildPools(e *Engine, cfg *config.Config, old *poolSet) (*poolSet, error) {
	ps := &poolSet{byKey: map[poolKey]*pool{}, dbs: map[string]bool{}, sharded: map[string]bool{}}
	for _, d := range cfg.Databases {
		ps.dbs[d.Name] = true
		ps.sharded[d.Name] = cfg.Sharded(d.Name)
	}
	users := e.poolUsers(cfg)
	var configs []poolConfig
	reuse := map[poolKey]*pool{}
	for i := range users {
		if ps.sharded[users[i].Database] {
			continue // no pool: its clients are refused
		}
		pc, err := resolvePool(e, cfg, &users[i])
		if err != nil {
			return nil, err
		}
		configs = append(configs, pc)
		if old != nil {
			if op := old.get(pc.user, pc.database); op != nil && sameIdentity(op.cfg, pc) {
				reuse[poolKey{pc.user, pc.database}] = op
			}
		}
	}
	dropChangedMirrors(cfg, reuse)
	var fresh []*pool
	for _, pc := range configs {
		k := poolKey{pc.user, pc.database}
		p := reuse[k]
		if p == nil {
			secrets, err := auth.ParseSecrets(pc.user, pc.passwords.list())
			if err != nil {
				return nil, fmt.Errorf("cannot read the passwords of user %q: %w", pc.user, err)
			}
			p = newPool(e, pc)
			p.secrets = secrets
			fresh = append(fresh, p)
			p.replicas = newReplicaPools(e, cfg, p)
		}
		ps.byKey[k] = p
		ps.list = append(ps.list, p)
		ps.list = append(ps.list, p.replicas...)
	}
	ps.wireMirrors(cfg, fresh)
	return ps, nil
}

// resolvePool resolves one users.toml entry into a pool's settings.
func resolvePool(e *Engine, cfg *config.Config, u *config.User) (poolConfig, error) {
	d, ok := cfg.Database(u.Database)
	if !ok {
		return poolConfig{}, fmt.Errorf("cannot build pool for user %q: database %q is not configured", u.Name, u.Database)
	}
	serverUser, serverPasswords, own := serverCredentials(u, d)
	return poolConfig{
		replicaSet: replicaSet(cfg, d.Name),
		user:       u.Name, database: d.Name, passwords: newPasswordList(u.ClientPasswords()),
		serverUser: serverUser, serverPasswords: serverPasswords, ownPasswords: own,
		host: d.Host, port: d.Port, dbname: first(d.DatabaseName, d.Name),
		mode:     cfg.PoolerMode(u, d),
		Limits:   pooling.Limits{Size: cfg.PoolSize(u, d), MinSize: cfg.MinPoolSize(u, d), IdleTimeout: cfg.IdleTimeout(u), Lifetime: cfg.ServerLifetime(u)},
		defaults: newSessionDefaults(u),
	}, nil
}

// sameIdentity reports whether two pool settings differ in their limits at
// most. The old pool's limits are not read (they are guarded by its mu).
func sameIdentity(a, b poolConfig) bool {
	a.Size, a.MinSize, a.IdleTimeout, a.Lifetime = 0, 0, 0, 0
	b.Size, b.MinSize, b.IdleTimeout, b.Lifetime = 0, 0, 0, 0
	return a == b
}

// dropChangedMirrors removes from reuse every pool whose mirrors would
// change: other destinations or levels, or a destination pool that is not
// reused itself. Repeated until nothing changes, since dropping a pool can
// invalidate pools mirroring to it.
func dropChangedMirrors(cfg *config.Config, reuse map[poolKey]*pool) {
	for changed := true; changed; {
		changed = false
		for k, p := range reuse {
			want := cfg.MirrorsFrom(k.database)
			ok := len(want) == len(p.mirrors)
			for i := 0; ok && i < len(want); i++ {
				d := p.mirrors[i]
				ok = d.destDB == want[i].DestinationDB && d.level == string(want[i].Level) &&
					reuse[poolKey{k.user, d.destDB}] == d.dest
			}
			if !ok {
				delete(reuse, k)
				changed = true
			}
		}
	}
}

// wireMirrors gives each fresh source pool its mirrors: the same user's
// pool on each destination database.
func (ps *poolSet) wireMirrors(cfg *config.Config, fresh []*pool) {
	for _, p := range fresh {
		for _, m := range cfg.MirrorsFrom(p.cfg.database) {
			dest := ps.get(p.cfg.user, m.DestinationDB)
			if dest == nil {
				continue // config validation reports it
			}
			d := &mirrorDest{source: p, dest: dest, sourceDB: m.SourceDB, destDB: m.DestinationDB, level: string(m.Level)}
			d.setExposure(m.Exposure)
			d.queueLen.Store(int64(max(m.QueueLength, 1)))
			d.maxTxn.Store(int64(cfg.General.MirrorMaxTransactionBytes))
			d.stats.lag = &mirroring.Lag{}
			p.mirrors = append(p.mirrors, d)
			if m.Level != "" && m.Level != "all" {
				p.mirrorLevels = true
			}
		}
	}
}

func first(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

func (ps *poolSet) hasDatabase(name string) bool { return ps.dbs[name] }

func (ps *poolSet) get(user, database string) *pool { return ps.byKey[poolKey{user, database}] }

// closeAll closes every pool's idle servers and marks them closed.
func (ps *poolSet) closeAll() {
	for _, p := range ps.list {
		p.close()
	}
}

// retiredBy lists the pools of ps that next does not keep.
func (ps *poolSet) retiredBy(next *poolSet) []*pool {
	kept := map[*pool]bool{}
	for _, p := range next.list {
		kept[p] = true
	}
	var out []*pool
	for _, p := range ps.list {
		if !kept[p] {
			out = append(out, p)
		}
	}
	return out
}

// retireTick is how often a retired pool looks for its last client.
const retireTick = 100 * time.Millisecond

// retire keeps a pool that a reload replaced serving the clients that
// still use it (they keep it until they reconnect), expiring its waiters,
// and closes it once the last one left: idle servers close at once, busy
// ones at release. At shutdown it closes at once.
func (e *Engine) retire(p *pool) {
	t := time.NewTicker(retireTick)
	defer t.Stop()
	for {
		select {
		case <-e.stopped:
			p.close()
			return
		case now := <-t.C:
			p.expireWaiters(now)
			if e.shutdown.Load() || e.clientsOf(p) == 0 {
				p.close()
				e.log.Info("retired pool closed", "user", p.cfg.user, "database", p.cfg.database)
				return
			}
		}
	}
}

// clientsOf counts the registered clients that use p. A client's pool is
// set before it is registered and never changes, so reading it here is safe.
func (e *Engine) clientsOf(p *pool) int {
	n := 0
	e.clients.each(func(cl *client) {
		if cl.pool == p {
			n++
		}
	})
	return n
}
