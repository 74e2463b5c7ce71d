// Enumerated values of the configuration: pooler modes, auth types, prepared statements, mirror levels and roles.

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

// Database roles.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
	RoleAuto    = "auto" // PgDog detects the role; pgdogd serves it like a replica, or as the only entry
)

// The values each enumeration accepts, PgDog's default first, as checks for
// the registry and the entries.
var (
	poolerModes        = oneOf(ModeTransaction, ModeSession)
	authTypes          = oneOf(AuthScram, AuthMD5, AuthPlain, AuthTrust)
	preparedStatements = oneOf(PreparedExtended, PreparedDisabled, PreparedFull)
	mirrorLevels       = oneOf(MirrorAll, MirrorDML, MirrorDDL)
	roles              = oneOf(RolePrimary, RoleReplica, RoleAuto)
	tlsVerifyModes     = mustBeOneOf("disabled", "prefer", "verify_ca", "verify_full")
	passthroughModes   = oneOf("disabled", "enabled", "enabled_plain", "enabled_allow_change", "enabled_plain_allow_change")
)
