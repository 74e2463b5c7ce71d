// The [general] section: PgDog's defaults, decoding, PGDOG_<KEY> overrides and checks.

package config

import (
	"fmt"
	"math"
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

// tlsVerifyModes are tls_verify's values.
var tlsVerifyModes = []string{"disabled", "prefer", "verify_ca", "verify_full"}

// DefaultMirrorTimeout is mirror_timeout's default: long enough for a
// statement that waits on a lock, short enough that a mirror that never
// answers holds up its client's queue for about half a minute.
const DefaultMirrorTimeout = 30 * time.Second

// Values accepted by the enumerated settings, first one being PgDog's default.
var (
	poolerModes        = []string{string(ModeTransaction), string(ModeSession)}
	authTypes          = []string{"scram", "md5", "plain", "trust"}
	preparedStatements = []string{"extended", "disabled", "full"}
	mirrorLevels       = []string{"all", "dml", "ddl"}
	roles              = []string{RolePrimary, RoleReplica}
)

// Database roles.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
)

// defaultGeneral returns PgDog's defaults.
func defaultGeneral() General {
	return General{
		Host:                      "0.0.0.0",
		Port:                      6432,
		Workers:                   2,
		DefaultPoolSize:           10,
		MinPoolSize:               1,
		PoolerMode:                ModeTransaction,
		CheckoutTimeout:           5 * time.Second,
		ConnectTimeout:            5 * time.Second,
		IdleTimeout:               60 * time.Second,
		ServerLifetime:            24 * time.Hour,
		HealthcheckInterval:       30 * time.Second,
		HealthcheckTimeout:        5 * time.Second,
		BanTimeout:                300 * time.Second,
		ShutdownTimeout:           60 * time.Second,
		AuthType:                  "scram",
		PreparedStatements:        "extended",
		PreparedStatementsLimit:   math.MaxInt64,
		MirrorQueue:               128,
		MirrorExposure:            1.0,
		MirrorMaxTransactionBytes: DefaultMirrorMaxTransactionBytes,
		MirrorTimeout:             DefaultMirrorTimeout,
		PinSessionState:           true,
		TLSVerify:                 "prefer",
		ClientLoginTimeout:        60 * time.Second,
		MirrorMemoryLimit:         DefaultMirrorMemoryLimit,
		OpenmetricsHost:           "0.0.0.0",
		MaxMessageSize:            DefaultMaxMessageSize,
	}
}

// generalFields binds every [general] key pgdogd implements to g.
// max_pool_size is PgDog's alias of default_pool_size.
func generalFields(g *General) []field {
	return []field{
		{"host", &g.Host}, {"port", &g.Port}, {"workers", &g.Workers},
		{"default_pool_size", &g.DefaultPoolSize}, {"max_pool_size", &g.DefaultPoolSize},
		{"min_pool_size", &g.MinPoolSize}, {"pooler_mode", &g.PoolerMode},
		{"checkout_timeout", &g.CheckoutTimeout}, {"connect_timeout", &g.ConnectTimeout},
		{"idle_timeout", &g.IdleTimeout}, {"server_lifetime", &g.ServerLifetime},
		{"healthcheck_interval", &g.HealthcheckInterval},
		{"healthcheck_timeout", &g.HealthcheckTimeout},
		{"ban_timeout", &g.BanTimeout}, {"shutdown_timeout", &g.ShutdownTimeout},
		{"auth_type", &g.AuthType}, {"prepared_statements", &g.PreparedStatements},
		{"prepared_statements_limit", &g.PreparedStatementsLimit},
		{"mirror_queue", &g.MirrorQueue}, {"mirror_exposure", &g.MirrorExposure},
		{"mirror_max_transaction_size", &g.MirrorMaxTransactionBytes},
		{"mirror_timeout", &g.MirrorTimeout}, {"mirror_seed", &g.MirrorSeed},
		{"pin_session_state", &g.PinSessionState},
		{"openmetrics_port", &g.OpenmetricsPort}, {"openmetrics_host", &g.OpenmetricsHost},
		{"openmetrics_namespace", &g.OpenmetricsNamespace},
		{"tls_certificate", &g.TLSCertificate}, {"tls_private_key", &g.TLSPrivateKey},
		{"tls_client_required", &g.TLSClientRequired},
		{"tls_client_ca_certificate", &g.TLSClientCACertificate},
		{"tls_verify", &g.TLSVerify}, {"tls_server_ca_certificate", &g.TLSServerCACertificate},
		{"tls_server_certificate", &g.TLSServerCertificate}, {"tls_server_private_key", &g.TLSServerPrivateKey},
		{"client_login_timeout", &g.ClientLoginTimeout}, {"client_idle_timeout", &g.ClientIdleTimeout},
		{"client_idle_in_transaction_timeout", &g.ClientIdleInTransactionTimeout},
		{"max_client_connections", &g.MaxClientConnections},
		{"mirror_memory_limit", &g.MirrorMemoryLimit},
		{"max_message_size", &g.MaxMessageSize},
	}
}

// EnvName is the environment variable that overrides a [general] key.
func EnvName(key string) string { return "PGDOG_" + strings.ToUpper(key) }

// decodeGeneral reads [general] (t may be nil) into g and returns where each key came from.
func (c *collector) decodeGeneral(f *fileTables, t map[string]any, g *General) map[string]source {
	src := map[string]source{}
	for _, fl := range generalFields(g) {
		src[fl.key] = source{file: f.name, key: "general." + fl.key}
	}
	if t == nil {
		return src
	}
	present := c.decodeTable(f, "general", "general", t, generalFields(g), pgdogOnlyGeneral)
	if present["default_pool_size"] && present["max_pool_size"] {
		c.add(f.at("general", "max_pool_size").problem(
			"is an alias of default_pool_size; give only one of them"))
	}
	for k := range present {
		src[k] = f.at("general", k)
	}
	if present["max_pool_size"] {
		src["default_pool_size"] = src["max_pool_size"]
	}
	return src
}

// applyEnv overrides [general] keys from PGDOG_<KEY> variables; an empty
// variable counts as unset. Unlike PgDog, where the file wins over the
// environment, a variable here overrides the file. PgDog-only keys get a warning.
func (c *collector) applyEnv(g *General, src map[string]source) {
	for _, fl := range generalFields(g) {
		if fl.key == "max_pool_size" {
			continue
		}
		name := EnvName(fl.key)
		v, ok := os.LookupEnv(name)
		if !ok || v == "" {
			continue
		}
		s := source{file: EnvironmentFile, key: name}
		if err := assignString(fl.ptr, v); err != nil {
			c.add(s.problem(err.Error()))
			continue
		}
		src[fl.key] = s
	}
	for _, k := range sortedNames(pgdogOnlyGeneral) {
		if v, ok := os.LookupEnv(EnvName(k)); ok && v != "" {
			c.warnPgDogOnly(EnvironmentFile, 0, EnvName(k), "env."+k)
		}
	}
}

// checkGeneral validates [general] after the environment was applied.
func (c *collector) checkGeneral(g *General, src map[string]source) {
	p := func(key, format string, args ...any) { c.add(src[key].problem(fmt.Sprintf(format, args...))) }
	if g.Host == "" {
		p("host", "must not be empty")
	}
	c.checkPort(src["port"], g.Port, false)
	c.checkPort(src["openmetrics_port"], g.OpenmetricsPort, true)
	if g.Workers < 1 {
		p("workers", "must be at least 1, got %d", g.Workers)
	}
	if g.DefaultPoolSize < 1 {
		p("default_pool_size", "must be at least 1, got %d", g.DefaultPoolSize)
	} else if g.MinPoolSize > g.DefaultPoolSize {
		p("min_pool_size", "%d is larger than default_pool_size %d", g.MinPoolSize, g.DefaultPoolSize)
	}
	c.checkOneOf(src["pooler_mode"], string(g.PoolerMode), poolerModes)
	c.checkOneOf(src["auth_type"], g.AuthType, authTypes)
	c.checkOneOf(src["prepared_statements"], g.PreparedStatements, preparedStatements)
	if g.MirrorQueue < 1 {
		p("mirror_queue", "must be at least 1, got %d", g.MirrorQueue)
	}
	c.checkExposure(src["mirror_exposure"], g.MirrorExposure)
	if g.MirrorMaxTransactionBytes < 1 {
		p("mirror_max_transaction_size", "must be at least 1 byte")
	}
	if g.MirrorSeed < 0 {
		p("mirror_seed", "must not be negative, got %d", g.MirrorSeed)
	}
	if g.MirrorTimeout < time.Millisecond {
		p("mirror_timeout", "must be at least 1 ms, got %d", g.MirrorTimeout.Milliseconds())
	}
	if g.MaxMessageSize < minMaxMessageSize {
		p("max_message_size", "must be at least %d bytes, got %d", minMaxMessageSize, g.MaxMessageSize)
	}
	if (g.TLSCertificate == "") != (g.TLSPrivateKey == "") {
		p("tls_certificate", "tls_certificate and tls_private_key must be given together")
	}
	if !slices.Contains(tlsVerifyModes, g.TLSVerify) {
		p("tls_verify", "must be one of %s, got %q", strings.Join(tlsVerifyModes, ", "), g.TLSVerify)
	}
	if (g.TLSServerCertificate == "") != (g.TLSServerPrivateKey == "") {
		p("tls_server_certificate", "tls_server_certificate and tls_server_private_key must be given together")
	}
	if g.TLSClientCACertificate != "" && g.TLSCertificate == "" {
		p("tls_client_ca_certificate", "requires tls_certificate and tls_private_key")
	}
	for key, d := range map[string]time.Duration{"client_login_timeout": g.ClientLoginTimeout, "client_idle_timeout": g.ClientIdleTimeout,
		"client_idle_in_transaction_timeout": g.ClientIdleInTransactionTimeout} {
		if d < 0 {
			p(key, "must not be negative")
		}
	}
	if g.MaxClientConnections < 0 {
		p("max_client_connections", "must not be negative, got %d", g.MaxClientConnections)
	}
	if g.MirrorMemoryLimit < 1 {
		p("mirror_memory_limit", "must be at least 1 byte")
	}
	if g.TLSClientRequired && g.TLSCertificate == "" {
		p("tls_client_required", "requires tls_certificate and tls_private_key")
	}
}

func (c *collector) checkPort(s source, port int, zeroOK bool) {
	if port > 65535 || (port == 0 && !zeroOK) {
		c.add(s.problem(fmt.Sprintf("port must be within 1..65535, got %d", port)))
	}
}

func (c *collector) checkOneOf(s source, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	c.add(s.problem(fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))))
}

func (c *collector) checkExposure(s source, v float64) {
	if !(v >= 0 && v <= 1) {
		c.add(s.problem(fmt.Sprintf("exposure must be within 0..1, got %g", v)))
	}
}
