// Package admin is the admin console: the virtual database (pgdog, or
// [admin]'s name) that answers SHOW, SET, RELOAD, PAUSE, RESUME, RECONNECT,
// SHUTDOWN and RESET MIRROR STATS over simple queries, as PgDog's and PgBouncer's consoles do.
//
// Tools written for PgDog's console run unchanged: each SHOW that PgDog
// has sends PgDog's columns first, in its order, with its types and value
// formats (testdata/pgdog_columns.txt is PgDog's table, which the tests
// hold it to), then pgdogd's own columns; SET of a PgDog setting pgdogd
// does not change succeeds with a notice.
//
// It owns the console's dialect (the parser on codec/sqlscan's lexer), the
// commands and the encoding of their answers, and the samples SHOW STATS's
// averages come from. It sees the engine only through engine.Snapshot
// (plain values, read race-free) and engine.Control (the verbs); it never
// touches a client, a server, a pool or a loop, and it never runs on a
// loop: the engine hands it each query on a goroutine of its own
// (engine.Console) and writes the answer back on the client's loop.
package admin
