// Sentinel errors returned by an authentication exchange.

package auth

import "errors"

var (
	// ErrAuthFailed means the client did not prove it knows the password (or
	// the user is unknown): reply FATAL 28P01 and close.
	ErrAuthFailed = errors.New("password authentication failed")
	// ErrProtocol means the client sent a malformed or unexpected
	// authentication message: reply FATAL 08P01 and close.
	ErrProtocol = errors.New("protocol violation during authentication")
)
