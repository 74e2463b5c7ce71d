// set.go holds SET: a runtime setting changed through the engine, or, for a PgDog setting pgdogd does not change, a notice that it has no effect.

package admin

import (
	"fmt"
	"slices"

	"github.com/pgdogd/pgdogd/engine/config"
)

// pgdogSettable are the settings PgDog's admin SET changes
// (pgdog/src/admin/set.rs). Those pgdogd does not change at runtime are
// accepted with a notice, so that tools written for PgDog run unchanged.
var pgdogSettable = map[string]bool{
	"query_timeout": true, "checkout_timeout": true, "auth_type": true, "passthrough_auth": true,
	"read_write_strategy": true, "read_write_split": true, "load_balancing_strategy": true,
	"prepared_statements_limit": true, "prepared_statements": true, "cross_shard_disabled": true,
	"two_phase_commit": true, "two_phase_commit_auto": true, "rewrite_shard_key_updates": true,
	"healthcheck_interval": true, "idle_healthcheck_interval": true, "idle_healthcheck_delay": true,
	"ban_timeout": true, "tls_client_required": true,
}

// setParsed runs SET with the key and the value parseSet read, exactly as
// written once unquoted.
func setParsed(c *Console, args []string) (*resultSet, error) {
	key, value := args[0], args[1]
	if msg := noEffect(c.snap.Config(), key); msg != "" {
		return &resultSet{tag: "SET", notices: []string{msg}}, nil
	}
	if err := c.ctl.Set(key, value); err != nil {
		return nil, err
	}
	return &resultSet{tag: "SET"}, nil
}

// noEffect is the notice for a SET of key that PgDog takes and pgdogd
// accepts without changing anything; "" when SET goes to the engine (which
// changes the setting, or refuses an unknown one or a bad value).
func noEffect(cfg *config.Config, key string) string {
	if slices.Contains(config.RuntimeKeys(), key) {
		return ""
	}
	if config.PgDogOnly(key) {
		return fmt.Sprintf("pgdogd does not implement the PgDog setting %s: SET %s has no effect", key, key)
	}
	if !pgdogSettable[key] {
		return ""
	}
	for _, s := range cfg.Settings() {
		if s.Key == key {
			return fmt.Sprintf("pgdogd does not change %s at runtime: SET %s has no effect (change it in the configuration file)", key, key)
		}
	}
	return fmt.Sprintf("pgdogd does not implement the PgDog setting %s: SET %s has no effect", key, key)
}
