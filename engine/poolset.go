// poolset.go holds the set of pools built from a configuration, looked up by (user, database).
package engine

import (
	"fmt"
	"strings"

	"github.com/pgdogd/pgdogd/engine/auth"
	"github.com/pgdogd/pgdogd/engine/config"
)

type poolKey struct{ user, database string }

// poolSet is immutable once built; a reload builds a new one.
type poolSet struct {
	byKey map[poolKey]*pool
	dbs   map[string]bool
	list  []*pool
}

// buildPools makes one pool per users.toml entry.
func buildPools(e *Engine, cfg *config.Config, _ *poolSet) (*poolSet, error) {
	ps := &poolSet{byKey: map[poolKey]*pool{}, dbs: map[string]bool{}}
	for _, d := range cfg.Databases {
		ps.dbs[d.Name] = true
	}
	g := cfg.General
	for i := range cfg.Users {
		u := &cfg.Users[i]
		d, ok := cfg.Database(u.Database)
		if !ok {
			return nil, fmt.Errorf("cannot build pool for user %q: database %q is not configured", u.Name, u.Database)
		}
		secret, err := auth.ParseSecret(u.Name, u.Password)
		if err != nil {
			return nil, fmt.Errorf("cannot read the password of user %q: %w", u.Name, err)
		}
		pc := poolConfig{
			user: u.Name, database: d.Name,
			serverUser: first(u.ServerUser, d.User, u.Name), serverPassword: first(u.ServerPassword, d.Password, u.Password),
			host: d.Host, port: d.Port, dbname: first(d.DatabaseName, d.Name),
			size: cfg.PoolSize(u, d), minSize: cfg.MinPoolSize(u, d), mode: cfg.PoolerMode(u, d),
			connectTimeout: g.ConnectTimeout, checkoutTimeout: g.CheckoutTimeout,
			idleTimeout: g.IdleTimeout, lifetime: g.ServerLifetime,
		}
		if pc.serverPassword == u.Password && secret.Kind() == "scram" {
			e.log.Warn("user's password is a SCRAM verifier: set server_password so pgdogd can log in to PostgreSQL", "user", u.Name, "database", d.Name)
		}
		p := newPool(e, pc)
		p.secret = secret
		ps.byKey[poolKey{u.Name, d.Name}] = p
		ps.list = append(ps.list, p)
	}
	ps.wireMirrors(cfg)
	return ps, nil
}

// wireMirrors gives each source pool its mirrors: the same user's pool on
// each destination database.
func (ps *poolSet) wireMirrors(cfg *config.Config) {
	for _, p := range ps.list {
		for _, m := range cfg.MirrorsFrom(p.cfg.database) {
			dest := ps.get(p.cfg.user, m.DestinationDB)
			if dest == nil {
				continue // config validation reports it
			}
			d := &mirrorDest{source: p, dest: dest, sourceDB: m.SourceDB, destDB: m.DestinationDB, level: m.Level}
			d.setExposure(m.Exposure)
			d.queueLen.Store(int64(max(m.QueueLength, 1)))
			d.maxTxn.Store(int64(cfg.General.MirrorMaxTransactionBytes))
			d.stats.lag = &lagHistogram{}
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
