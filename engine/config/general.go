// The [general] section: defaults, decoding, PGDOG_<KEY> overrides and checks, all driven by the registry (keys.go).

package config

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// Defaults of pgdogd's own [general] keys.
const (
	DefaultMirrorMaxTransactionBytes = 4 << 20  // mirror_max_transaction_size
	DefaultMaxMessageSize            = 64 << 20 // max_message_size
	minMaxMessageSize                = 1 << 10
)

// DefaultMirrorMemoryLimit is mirror_memory_limit's default (it is further
// capped at a quarter of the memory the machine or its cgroup has).
const DefaultMirrorMemoryLimit = 256 << 20

// DefaultMirrorTimeout is mirror_timeout's default: long enough for a
// statement that waits on a lock, short enough that a mirror that never
// answers holds up its client's queue for about half a minute.
const DefaultMirrorTimeout = 30 * time.Second

// DefaultMirrorStatsTiming is mirror_stats_timing's default: one compared transaction in
// ten is timed statement by statement, which costs the replay a write and a read per
// statement instead of per batch (see perf/README.md for the measured cost).
const DefaultMirrorStatsTiming = 0.1

// DefaultMirrorStatsQueries is mirror_stats_queries' default: a thousand
// (fingerprint, mirror) entries of about 2.5 KiB each (mirror/insight measures it).
const DefaultMirrorStatsQueries = 1000

// DefaultMirrorStatsMetrics is mirror_stats_metrics' default: the metrics
// carry latency histograms for the 20 slowest fingerprints.
const DefaultMirrorStatsMetrics = 20

// defaultGeneral returns PgDog's defaults.
func defaultGeneral() General {
	var g General
	for k := range implementedKeys {
		k.v.reset(&g)
	}
	return g
}

// generalFields binds every [general] key pgdogd implements, and their
// aliases, to g.
func generalFields(g *General) []field {
	var out []field
	for k := range implementedKeys {
		out = append(out, field{k.name, k.v.ptr(g)})
		if k.alias != "" {
			out = append(out, field{k.alias, k.v.ptr(g)})
		}
	}
	return out
}

// EnvName is the environment variable that overrides a [general] key.
func EnvName(key string) string { return "PGDOG_" + strings.ToUpper(key) }

// pgdogEnvNames are the variables PgDog reads for a [general] key under
// another name than PGDOG_<KEY>; pgdogd reads them too, after PGDOG_<KEY>.
var pgdogEnvNames = map[string]string{
	"client_login_timeout": "PGDOG_CLIENT_LOG_TIMEOUT",
	"reload_schema_on_ddl": "PGDOG_SCHEMA_RELOAD_ON_DDL",
}

// lookupEnv returns the variable set for key, if any: PGDOG_<KEY> first,
// then PgDog's other name for it. An empty variable counts as unset.
func lookupEnv(key string) (name, value string, ok bool) {
	for _, n := range []string{EnvName(key), pgdogEnvNames[key]} {
		if v := os.Getenv(n); n != "" && v != "" {
			return n, v, true
		}
	}
	return "", "", false
}

// decodeGeneral reads [general] (t may be nil) into g and returns where each key came from.
func (c *collector) decodeGeneral(f *fileTables, t map[string]any, g *General) map[string]source {
	src := map[string]source{}
	fields := generalFields(g)
	for _, fl := range fields {
		src[fl.key] = source{file: f.name, key: "general." + fl.key}
	}
	if t == nil {
		return src
	}
	present := c.decodeTable(f, "general", "general", t, fields, pgdogOnlyGeneral)
	for k := range present {
		src[k] = f.at("general", k)
	}
	for k := range implementedKeys {
		if k.alias == "" || !present[k.alias] {
			continue
		}
		if present[k.name] {
			c.add(f.at("general", k.alias).problem(fmt.Sprintf(
				"is an alias of %s; give only one of them", k.name)))
		}
		src[k.name] = src[k.alias]
	}
	return src
}

// applyEnv overrides [general] keys from PGDOG_<KEY> variables (and PgDog's
// other names, pgdogEnvNames); an empty variable counts as unset. Unlike
// PgDog, where the file wins over the environment, a variable here
// overrides the file. PgDog-only keys get a warning; aliases are not read
// from the environment.
func (c *collector) applyEnv(g *General, src map[string]source) {
	ignored := map[string]string{} // variable -> what pgdogd does instead
	for _, k := range generalKeys {
		name, v, ok := lookupEnv(k.name)
		switch {
		case !ok:
		case k.v == nil:
			ignored[name] = k.instead
		default:
			s := source{file: EnvironmentFile, key: name}
			if err := assignString(k.v.ptr(g), v); err != nil {
				c.add(s.problem(err.Error()))
				continue
			}
			src[k.name] = s
		}
	}
	for _, name := range slices.Sorted(maps.Keys(ignored)) {
		c.warnPgDogOnly(EnvironmentFile, 0, name, ignored[name])
	}
}

// checkGeneral validates [general] after the environment was applied:
// PgDog's spellings read, each key's own check, then the checks across keys.
func (c *collector) checkGeneral(g *General, src map[string]source) {
	c.readPgDogSpellings(g, src)
	for k := range implementedKeys {
		c.check(src[k.name], k.v.problem(g))
	}
	for _, r := range generalRelations(g) {
		c.add(src[r.key].problem(r.msg))
	}
}

// relation is a problem across [general] keys, reported at key.
type relation struct{ key, msg string }

// generalRelations returns the problems between keys: a minimum above the
// size, TLS files given alone, and TLS options without a certificate.
func generalRelations(g *General) []relation {
	var out []relation
	add := func(bad bool, key, msg string) {
		if bad {
			out = append(out, relation{key, msg})
		}
	}
	add(g.DefaultPoolSize >= 1 && g.MinPoolSize > g.DefaultPoolSize, "min_pool_size",
		fmt.Sprintf("%d is larger than default_pool_size %d", g.MinPoolSize, g.DefaultPoolSize))
	add((g.TLSCertificate == "") != (g.TLSPrivateKey == ""), "tls_certificate",
		"tls_certificate and tls_private_key must be given together")
	add((g.TLSServerCertificate == "") != (g.TLSServerPrivateKey == ""), "tls_server_certificate",
		"tls_server_certificate and tls_server_private_key must be given together")
	add(g.TLSClientCACertificate != "" && g.TLSCertificate == "", "tls_client_ca_certificate",
		"requires tls_certificate and tls_private_key")
	add(g.TLSClientRequired && g.TLSCertificate == "", "tls_client_required",
		"requires tls_certificate and tls_private_key")
	return out
}
