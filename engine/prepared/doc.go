// Package prepared holds what pgdogd knows about prepared statements in
// transaction mode: the cache shared by all pools (one server-side name,
// "__pgdogd_<id>", per distinct query and parameter types), the reading of
// Parse bodies and of statements that drop prepared statements (DEALLOCATE,
// DISCARD ALL), and what each server is known to have prepared.
//
// It owns no connection: the engine rewrites the client's frames with
// these values and keeps the per-client views.
package prepared
