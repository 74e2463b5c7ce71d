// Package codec frames and builds PostgreSQL wire-protocol messages in place.
//
// The proxy reads frames straight out of the event loop's inbound buffer, so
// the frame path (NextFrame, Body and the readers) never allocates and never
// copies: every slice it returns aliases its input and is valid exactly as
// long as that input is. Builders append to a caller's buffer and back-patch
// the length field, so a caller can coalesce many messages into one write.
//
// Startup packets (which carry no type byte) are parsed by ParseStartup; that
// is a cold path and copies what it keeps.
package codec
