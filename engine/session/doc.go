// Package session holds what pgdogd knows about a PostgreSQL session's
// state, as values and SQL text: the settings a client chose and a server
// has (Params), the SQL that makes a server's settings a client's, reads
// them back and restores startup values, and the kinds of session state
// that pin a client to its server in transaction mode, with the statements
// that may change either (MarkOf).
//
// It holds no connection and writes no socket: the engine decides when to
// send what this package builds, and records the answers.
package session
