// Package config loads pgdogd's configuration from PgDog's two files, pgdog.toml and users.toml.
package config

import "time"

// General holds pgdog.toml's [general] section after defaults and environment overrides.
// Times are read from the file in milliseconds. Each field's key, default,
// check and runtime behaviour are declared once, in the registry (keys.go).
type General struct {
	Host    string
	Port    int
	Workers int

	DefaultPoolSize, MinPoolSize int
	PoolerMode                   Mode

	CheckoutTimeout, ConnectTimeout, IdleTimeout, ServerLifetime, ShutdownTimeout time.Duration

	// Replicas: how a database set's reads are spread (balancing.go has
	// the defaults, all PgDog's).
	LoadBalancingStrategy LoadBalancingStrategy // "random" (default) | "round_robin" | "least_active_connections"
	ReadWriteStrategy     ReadWriteStrategy     // "conservative" (default) | "aggressive"
	ReadWriteSplit        ReadWriteSplit        // "include_primary" (default) | "exclude_primary" | ...
	// Health checks of the servers, and bans: a server that fails one (or
	// cannot be connected to) leaves the rotation for BanTimeout.
	HealthcheckInterval, IdleHealthcheckInterval, IdleHealthcheckDelay, HealthcheckTimeout, BanTimeout time.Duration
	// Replica lag bans: a replica further behind its primary than either
	// limit leaves the rotation until it catches up; 0 = no limit (PgDog's
	// default, its largest integer, is read as 0).
	BanReplicaLag      time.Duration
	BanReplicaLagBytes int
	// Server connections: ConnectAttempts tries (at least 1), ConnectAttemptDelay apart.
	ConnectAttempts     int
	ConnectAttemptDelay time.Duration
	// Replica lag checks: every LsnCheckInterval, each query given
	// LsnCheckTimeout, the first LsnCheckDelay after the start; Never
	// (PgDog's default) means no lag check.
	LsnCheckInterval, LsnCheckTimeout, LsnCheckDelay time.Duration

	AuthType AuthType // "scram" (default) | "md5" | "plain" | "trust"
	// PassthroughAuth is PgDog's passthrough_auth: "disabled" (default),
	// "enabled", "enabled_plain", "enabled_allow_change" or
	// "enabled_plain_allow_change" (see Passthrough).
	PassthroughAuth         string
	PreparedStatements      PreparedMode // "disabled" | "extended" (default) | "full"
	PreparedStatementsLimit int          // per server connection; PgDog's default, math.MaxInt64, means no limit

	MirrorQueue               int     // default 128
	MirrorExposure            float64 // default 1.0, within 0..1
	MirrorMaxTransactionBytes int     // pgdogd only, key mirror_max_transaction_size; default 4 MiB
	// MirrorTimeout is pgdogd's own mirror_timeout: how long a mirror may stay
	// silent while a reply is owed (or refuse a request), beyond the
	// transaction's duration on the source, before its connection is closed
	// and the transaction counted as an error; default 30 s.
	MirrorTimeout time.Duration
	// MirrorSeed is pgdogd's own mirror_seed: 0 (default) draws exposure
	// sampling at random; any other value makes each client's draws a
	// fixed sequence, so that a test's sampling is reproducible.
	MirrorSeed int
	// MirrorStats is pgdogd's own mirror_stats: compare every replayed
	// statement with its source (latency, command tag, SQLSTATE) per query
	// fingerprint; default true.
	MirrorStats bool
	// MirrorStatsTiming is pgdogd's own mirror_stats_timing: the share of
	// compared transactions whose statements the mirror runs one at a time
	// (as the client did) so that each one's latency is its own; the others
	// are compared for errors and command tags only. Default 0.1.
	MirrorStatsTiming float64
	// MirrorStatsQueries is pgdogd's own mirror_stats_queries: how many
	// (fingerprint, mirror) entries the comparison keeps, least recently
	// seen evicted; default 1000 (about 2.5 KiB each).
	MirrorStatsQueries int
	// MirrorStatsMetrics is pgdogd's own mirror_stats_metrics: how many of
	// the slowest fingerprints get latency histograms in the metrics;
	// default 20, 0 for none.
	MirrorStatsMetrics int
	// PinSessionState is pgdogd's own pin_session_state: in transaction mode,
	// a client whose server holds session state that cannot move (LISTEN,
	// advisory locks, temporary objects, SQL PREPARE, cursors WITH HOLD,
	// SET ROLE) keeps its server until the state is gone; default true.
	PinSessionState bool

	OpenmetricsPort      int    // 0 = off
	OpenmetricsHost      string // default "0.0.0.0", as PgDog
	OpenmetricsNamespace string

	TLSCertificate, TLSPrivateKey string
	TLSClientRequired             bool
	TLSClientCACertificate        string // client certificates are verified against it when set
	// Server side: tls_verify is "disabled", "prefer" (default), "verify_ca" or
	// "verify_full"; the CA to verify servers with; a certificate and key
	// pgdogd presents to servers (mutual TLS).
	TLSVerify                                 string
	TLSServerCACertificate                    string
	TLSServerCertificate, TLSServerPrivateKey string

	// Client timeouts (PgDog's keys): finishing authentication (default
	// 60 s), idle between transactions, idle inside a transaction (0 = off).
	ClientLoginTimeout, ClientIdleTimeout, ClientIdleInTransactionTimeout time.Duration
	// MaxClientConnections is pgdogd's own max_client_connections: clients
	// beyond it get FATAL 53300 (0 = no limit but the process's descriptors).
	MaxClientConnections int
	// MirrorMemoryLimit is pgdogd's own mirror_memory_limit: the bytes all
	// mirror queues may hold together (default 256 MiB, at most a quarter of
	// the machine's or cgroup's memory).
	MirrorMemoryLimit int

	MaxMessageSize int // pgdogd only, key max_message_size; largest frame accepted from a client, default 64 MiB
}

// Passthrough tells whether passthrough authentication is on: clients give
// their password in clear and it is checked by logging in to PostgreSQL
// with it. As in PgDog, "enabled" and "enabled_allow_change" are on only
// with tls_certificate (clients can use TLS), the "_plain" ones always.
// allowChange lets a client whose password differs from the one pgdogd
// knows log in when PostgreSQL takes it.
func (g *General) Passthrough() (on, allowChange bool) {
	switch g.PassthroughAuth {
	case "enabled_plain":
		return true, false
	case "enabled_plain_allow_change":
		return true, true
	case "enabled":
		return g.TLSCertificate != "", false
	case "enabled_allow_change":
		return g.TLSCertificate != "", g.TLSCertificate != ""
	}
	return false, false
}

// Database is one [[databases]] entry of pgdog.toml.
type Database struct {
	Name         string
	Host         string
	Port         int
	DatabaseName string // name on the server; defaults to Name
	Role         string // "primary" (default) | "replica" | "auto"
	Shard        int    // PgDog's shard number: a name with a shard above 0 is a sharded database, not served

	User, Password string // server-side overrides, optional

	PoolSize       int  // 0 = use the user's or general's
	MinPoolSize    int  // meaningful only when HasMinPoolSize
	HasMinPoolSize bool // min_pool_size was given (0 is a valid override)
	PoolerMode     Mode // "" = inherit
}

// Mirror is one [[mirroring]] entry of pgdog.toml, with its queue length and
// exposure already resolved from [general] when the entry leaves them out.
type Mirror struct {
	SourceDB, DestinationDB string
	QueueLength             int
	Exposure                float64
	Level                   MirrorLevel // "all" (default) | "dml" | "ddl"
}

// Admin is the [admin] section (pgdog.toml, overridden by users.toml's [admin] as PgDog does).
type Admin struct {
	Name     string // admin database name, default "admin"
	User     string // default "admin"
	Password string // generated when empty (see PasswordGenerated)
	// PasswordGenerated is true when neither file nor PGDOG_ADMIN_PASSWORD gave a
	// password and Load made a random one, as PgDog does.
	PasswordGenerated bool
}

// User is one pool's entry of users.toml: a (user, database) pair. An
// entry naming several databases (databases, all_databases) gives one User
// per database.
type User struct {
	Name, Database string

	// Password, Passwords and PasswordHash are users.toml's password,
	// passwords and password_hash; a client may log in with any of them
	// (ClientPasswords).
	Password     string
	Passwords    []string
	PasswordHash string

	PoolSize       int  // 0 = use the database's or general's
	MinPoolSize    int  // meaningful only when HasMinPoolSize
	HasMinPoolSize bool // min_pool_size was given (0 is a valid override)
	PoolerMode     Mode // "" = inherit

	ServerUser, ServerPassword string // server-side credentials, optional

	// Session defaults of the user's clients, as if each client had sent
	// them at startup; each meaningful only when its Has flag is set.
	StatementTimeout, LockTimeout       time.Duration
	HasStatementTimeout, HasLockTimeout bool
	ReadOnly, HasReadOnly               bool // default_transaction_read_only

	// Pool limits over [general]'s, each meaningful only when its Has flag is set.
	IdleTimeout, ServerLifetime       time.Duration
	HasIdleTimeout, HasServerLifetime bool

	entry int // the [[users]] entry it comes from, counted from 0
}

// ClientPasswords are the passwords a client may log in with, in PgDog's
// order: passwords, then password, then password_hash; empty ones left out.
func (u *User) ClientPasswords() []string {
	var out []string
	for _, pw := range u.Passwords {
		if pw != "" {
			out = append(out, pw)
		}
	}
	for _, pw := range []string{u.Password, u.PasswordHash} {
		if pw != "" {
			out = append(out, pw)
		}
	}
	return out
}

// Config is the whole effective configuration.
type Config struct {
	General   General
	Databases []Database
	Mirrors   []Mirror
	Admin     Admin
	Users     []User

	ConfigPath, UsersPath string
	Sources               Sources // what else Load read; Reload reads it again

	// Warnings has one line per PgDog setting that pgdogd accepts but ignores, e.g.
	// "pgdog.toml:12: key general.query_parser is a PgDog setting pgdogd does not implement; ignored".
	Warnings []string
}

// Database returns the entry named name: its primary when it has one, else its first entry.
// The pointer points into c.Databases and stays valid as long as c is not modified.
func (c *Config) Database(name string) (*Database, bool) {
	var found *Database
	for i := range c.Databases {
		d := &c.Databases[i]
		if d.Name != name {
			continue
		}
		if d.Role == RolePrimary {
			return d, true
		}
		if found == nil {
			found = d
		}
	}
	return found, found != nil
}

// User returns the users.toml entry for (name, database).
// The pointer points into c.Users and stays valid as long as c is not modified.
func (c *Config) User(name, database string) (*User, bool) {
	for i := range c.Users {
		if c.Users[i].Name == name && c.Users[i].Database == database {
			return &c.Users[i], true
		}
	}
	return nil, false
}

// PoolSize is the maximum server connections of the pool (u, d): user > database > general.
// Either argument may be nil.
func (c *Config) PoolSize(u *User, d *Database) int {
	if u != nil && u.PoolSize > 0 {
		return u.PoolSize
	}
	if d != nil && d.PoolSize > 0 {
		return d.PoolSize
	}
	return c.General.DefaultPoolSize
}

// MinPoolSize is the number of server connections kept open for the pool (u, d):
// user > database > general. Either argument may be nil.
func (c *Config) MinPoolSize(u *User, d *Database) int {
	if u != nil && u.HasMinPoolSize {
		return u.MinPoolSize
	}
	if d != nil && d.HasMinPoolSize {
		return d.MinPoolSize
	}
	return c.General.MinPoolSize
}

// PoolerMode is the pooler mode of the pool (u, d): user > database > general.
// Either argument may be nil.
func (c *Config) PoolerMode(u *User, d *Database) Mode {
	if u != nil && u.PoolerMode != "" {
		return u.PoolerMode
	}
	if d != nil && d.PoolerMode != "" {
		return d.PoolerMode
	}
	return c.General.PoolerMode
}

// IdleTimeout is the idle_timeout of the user's pools: user > general. u may be nil.
func (c *Config) IdleTimeout(u *User) time.Duration {
	if u != nil && u.HasIdleTimeout {
		return u.IdleTimeout
	}
	return c.General.IdleTimeout
}

// ServerLifetime is the server_lifetime of the user's pools: user > general. u may be nil.
func (c *Config) ServerLifetime(u *User) time.Duration {
	if u != nil && u.HasServerLifetime {
		return u.ServerLifetime
	}
	return c.General.ServerLifetime
}

// MirrorsFrom returns the mirrors whose source is database, in file order.
// The returned slice is freshly allocated and owned by the caller.
func (c *Config) MirrorsFrom(database string) []Mirror {
	var out []Mirror
	for _, m := range c.Mirrors {
		if m.SourceDB == database {
			out = append(out, m)
		}
	}
	return out
}
