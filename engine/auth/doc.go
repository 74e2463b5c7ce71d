// Package auth holds the password conversations of PostgreSQL's protocol:
// the client side pgdogd runs with PostgreSQL (cleartext, md5, SCRAM-SHA-256)
// and the server side it runs with its own clients, on secrets parsed once
// from the configuration (a password, an md5 hash or a SCRAM verifier).
//
// It owns no sockets and knows nothing of the engine or the configuration
// file: callers feed it messages and send what it returns.
package auth
