// Enumerated values of the configuration: pooler modes, auth types, prepared statements, mirror levels, roles and the load balancer's strategies.

package config

// Mode is a pooler mode: how long a client keeps its server connection.
type Mode string

// Pooler modes.
const (
	ModeTransaction Mode = "transaction" // server connection held for one transaction
	ModeSession     Mode = "session"     // server connection held for the client's whole session
)

// AuthType is auth_type: how clients prove who they are.
type AuthType string

// Authentication types.
const (
	AuthScram AuthType = "scram" // SCRAM-SHA-256 (default)
	AuthMD5   AuthType = "md5"   // MD5 challenge
	AuthPlain AuthType = "plain" // clear-text password
	AuthTrust AuthType = "trust" // no password
)

// PreparedMode is prepared_statements: how clients' prepared statements are handled.
type PreparedMode string

// Prepared statements modes.
const (
	PreparedExtended PreparedMode = "extended" // protocol-level prepared statements are rewritten (default)
	PreparedDisabled PreparedMode = "disabled" // passed through untouched
	PreparedFull     PreparedMode = "full"     // accepted; pgdogd behaves as with extended
)

// MirrorLevel is a [[mirroring]] entry's level: which transactions it replays.
type MirrorLevel string

// Mirror levels.
const (
	MirrorAll MirrorLevel = "all" // every transaction (default)
	MirrorDML MirrorLevel = "dml" // transactions that only read or write data
	MirrorDDL MirrorLevel = "ddl" // transactions that change the schema or privileges
)

// Database roles: the entries of one name form a set (databases.go).
const (
	RolePrimary = "primary" // takes writes (and reads); the default
	RoleReplica = "replica" // takes reads only
	// RoleAuto is PgDog's "auto": the server's role is detected at run
	// time with pg_is_in_recovery(), so that a promoted replica takes the
	// writes. pgdogd's configuration counts an auto entry among the set's
	// replicas, except when the set has no primary: then its first entry,
	// whatever its role, takes the writes (DatabaseSet).
	RoleAuto = "auto"
)

// LoadBalancingStrategy is load_balancing_strategy: how reads are spread over a set's servers.
type LoadBalancingStrategy string

// Load balancing strategies, as PgDog names them.
const (
	BalanceRandom                 LoadBalancingStrategy = "random"                   // a server at random (default)
	BalanceRoundRobin             LoadBalancingStrategy = "round_robin"              // each server in turn
	BalanceLeastActiveConnections LoadBalancingStrategy = "least_active_connections" // the server with the fewest busy connections
)

// ReadWriteStrategy is read_write_strategy: which transactions count as reads.
type ReadWriteStrategy string

// Read/write strategies, as PgDog names them.
const (
	// StrategyConservative: an explicit transaction is a write; only a
	// statement outside one can be a read (default).
	StrategyConservative ReadWriteStrategy = "conservative"
	// StrategyAggressive: a transaction is routed by its first statement.
	StrategyAggressive ReadWriteStrategy = "aggressive"
)

// ReadWriteSplit is read_write_split: whether the primary serves reads too.
type ReadWriteSplit string

// Read/write splits, as PgDog names them.
const (
	SplitIncludePrimary ReadWriteSplit = "include_primary" // reads go to the replicas and the primary (default)
	SplitExcludePrimary ReadWriteSplit = "exclude_primary" // reads go to the replicas only
	// SplitIncludePrimaryIfReplicaBanned: reads go to the replicas, and to
	// the primary too while a replica is banned.
	SplitIncludePrimaryIfReplicaBanned ReadWriteSplit = "include_primary_if_replica_banned"
	// SplitPreferPrimary is PgDog's prefer_primary: every query goes to the
	// primary, but for those a /* pgdog_role: prefer-replica */ comment
	// sends to a replica. pgdogd does not read that comment: every query
	// goes to the primary.
	SplitPreferPrimary ReadWriteSplit = "prefer_primary"
)

// The values each enumeration accepts, PgDog's default first, as checks for
// the registry and the entries.
var (
	poolerModes         = oneOf(ModeTransaction, ModeSession)
	authTypes           = oneOf(AuthScram, AuthMD5, AuthPlain, AuthTrust)
	preparedStatements  = oneOf(PreparedExtended, PreparedDisabled, PreparedFull)
	mirrorLevels        = oneOf(MirrorAll, MirrorDML, MirrorDDL)
	roles               = oneOf(RolePrimary, RoleReplica, RoleAuto)
	balancingStrategies = oneOf(BalanceRandom, BalanceRoundRobin, BalanceLeastActiveConnections)
	readWriteStrategies = oneOf(StrategyConservative, StrategyAggressive)
	readWriteSplits     = oneOf(SplitIncludePrimary, SplitExcludePrimary, SplitIncludePrimaryIfReplicaBanned,
		SplitPreferPrimary)
	tlsVerifyModes   = mustBeOneOf("disabled", "prefer", "verify_ca", "verify_full")
	passthroughModes = oneOf("disabled", "enabled", "enabled_plain", "enabled_allow_change", "enabled_plain_allow_change")
)
