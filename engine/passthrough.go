// passthrough.go holds passthrough authentication's side of the engine: passwords checked by logging in to PostgreSQL with them, remembered per pool, and the pools of users users.toml does not list.

package engine

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"sync"

	"github.com/pgdogd/pgdogd/engine/backend"
	"github.com/pgdogd/pgdogd/engine/config"
)

// passthrough remembers, per pool, the password PostgreSQL last took from
// one of its clients, and runs one login per (user, database, password) at
// a time however many clients wait for it. It outlives reloads, as PgDog's
// passthrough users do.
type passthrough struct {
	mu       sync.Mutex
	verified map[poolKey]string
	order    []poolKey          // keys in the order they were first verified
	flights  map[string]*flight // logins under way
}

// flight is one login under way; err is set before done is closed.
type flight struct {
	done chan struct{}
	err  error
}

// password returns the password PostgreSQL took for the pool k.
func (pt *passthrough) password(k poolKey) (string, bool) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	pw, ok := pt.verified[k]
	return pw, ok
}

// remember records the password PostgreSQL took for the pool k.
func (pt *passthrough) remember(k poolKey, pw string) {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	if pt.verified == nil {
		pt.verified = map[poolKey]string{}
	}
	if _, ok := pt.verified[k]; !ok {
		pt.order = append(pt.order, k)
	}
	pt.verified[k] = pw
}

// keys lists the pools passthrough logins were verified for, oldest first.
func (pt *passthrough) keys() []poolKey {
	pt.mu.Lock()
	defer pt.mu.Unlock()
	return append([]poolKey(nil), pt.order...)
}

// samePassword compares a remembered password with a client's in constant time.
func samePassword(stored string, pw []byte) bool {
	a, b := sha256.Sum256([]byte(stored)), sha256.Sum256(pw)
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// verify logs in to database's server as user with pw, once for all the
// clients asking the same at the same time, and closes the connection. On
// success the password is remembered for the pool and the pool exists.
func (e *Engine) verify(user, database, pw string) error {
	sum := sha256.Sum256([]byte(user + "\x00" + database + "\x00" + pw))
	id := string(sum[:])
	e.pass.mu.Lock()
	if f, ok := e.pass.flights[id]; ok {
		e.pass.mu.Unlock()
		<-f.done
		return f.err
	}
	if e.pass.flights == nil {
		e.pass.flights = map[string]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	e.pass.flights[id] = f
	e.pass.mu.Unlock()

	f.err = e.loginAs(user, database, pw)
	if f.err == nil {
		e.pass.remember(poolKey{user, database}, pw)
		f.err = e.ensurePool(user, database)
	}
	e.pass.mu.Lock()
	delete(e.pass.flights, id)
	e.pass.mu.Unlock()
	close(f.done)
	return f.err
}

// loginAs logs in to database's server as user with pw, within
// connect_timeout, and closes the connection.
func (e *Engine) loginAs(user, database, pw string) error {
	cfg := e.cfg.Load()
	d, ok := cfg.Database(database)
	if !ok {
		return fmt.Errorf("cannot check the password: database %q is not configured", database)
	}
	lr, err := backend.Login(context.Background(), backend.Target{Host: d.Host, Port: d.Port, User: user, Password: pw,
		Database: first(d.DatabaseName, d.Name), Timeout: cfg.General.ConnectTimeout}, e.serverTLS())
	if err != nil {
		return err
	}
	_ = lr.Close()
	return nil
}

// ensurePool makes the pool of (user, database) when the running set has
// none: the set is rebuilt with it, every other pool kept as it is.
func (e *Engine) ensurePool(user, database string) error {
	e.cfgMu.Lock()
	defer e.cfgMu.Unlock()
	old := e.pools.Load()
	if old.get(user, database) != nil {
		return nil
	}
	cfg := e.cfg.Load()
	ps, err := buildPools(e, cfg, old)
	if err != nil {
		return fmt.Errorf("cannot add the pool of user %q: %w", user, err)
	}
	e.pools.Store(ps)
	for _, p := range old.retiredBy(ps) { // none: every pool's settings are the same
		go e.retire(p)
	}
	e.log.Info("pool added by passthrough authentication", "user", user, "database", database)
	return nil
}

// poolUsers are the users of cfg's pools: users.toml's, and those
// passthrough authentication added whose database cfg still has.
func (e *Engine) poolUsers(cfg *config.Config) []config.User {
	users := cfg.Users
	added := false
	for _, k := range e.pass.keys() {
		if _, listed := cfg.User(k.user, k.database); listed {
			continue
		}
		if _, ok := cfg.Database(k.database); !ok {
			continue
		}
		if !added {
			users, added = append([]config.User(nil), cfg.Users...), true
		}
		users = append(users, config.User{Name: k.user, Database: k.database})
	}
	return users
}
