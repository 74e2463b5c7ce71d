// Sentinel errors returned by the frame and startup parsers.

package codec

import (
	"errors"
	"fmt"
)

// Frame errors, returned on the hot path without allocation.
var (
	// ErrShortLength reports a frame whose length field is below 4 (this
	// includes negative lengths): the stream is not PostgreSQL protocol.
	ErrShortLength = errors.New("codec: frame length below 4")
	// ErrTooLarge reports a frame larger than the caller's limit.
	ErrTooLarge = errors.New("codec: frame too large")
)

// Startup errors. Every malformed-packet error matches ErrBadStartup with
// errors.Is; the wrapped variants only sharpen the message.
var (
	// ErrStartupTooLarge reports a startup packet longer than MaxStartupLen.
	ErrStartupTooLarge = errors.New("codec: startup packet too large")
	// ErrBadStartup reports a malformed startup packet.
	ErrBadStartup = errors.New("codec: invalid startup packet")
	// ErrUnsupportedProtocol reports a protocol code that is neither 3.x nor
	// one of the special request codes.
	ErrUnsupportedProtocol = errors.New("codec: unsupported frontend protocol")

	// ErrNoUser is the ErrBadStartup variant for a StartupMessage without a
	// "user" parameter (PostgreSQL answers it with SQLSTATE 28000).
	ErrNoUser = fmt.Errorf("%w: no user name specified", ErrBadStartup)

	errStartupShort       = fmt.Errorf("%w: length below 8", ErrBadStartup)
	errStartupUnterm      = fmt.Errorf("%w: unterminated string", ErrBadStartup)
	errStartupNoValue     = fmt.Errorf("%w: parameter without value", ErrBadStartup)
	errStartupTrailing    = fmt.Errorf("%w: expected terminator as last byte", ErrBadStartup)
	errStartupRequestSize = fmt.Errorf("%w: SSL/GSSENC request length is not 8", ErrBadStartup)
	errStartupCancelSize  = fmt.Errorf("%w: invalid cancel request length", ErrBadStartup)
)
