// Package backend opens connections to PostgreSQL: the dial, TLS as
// tls_verify says, and the login (a password through pgconn, or a stored
// md5 hash answered by hand), leaving a socket that nothing else reads, and
// the text a client may be shown when a login fails.
//
// It knows nothing of pools, loops or clients: the engine decides when to
// connect and enrolls the socket it gets on a loop.
package backend
