// Parsing of untyped startup-phase packets (StartupMessage, SSL/GSSENC and cancel requests).

package codec

import (
	"bytes"
	"encoding/binary"
)

// Startup-phase limits and request codes, as in PostgreSQL's pqcomm.h.
const (
	// MaxStartupLen is the largest startup packet accepted, length field
	// included (PostgreSQL's MAX_STARTUP_PACKET_LENGTH).
	MaxStartupLen = 10000
	// MaxCancelKeyLen is the longest cancel key of protocol 3.2.
	MaxCancelKeyLen = 256
	// LatestMinor is the newest 3.x minor version the proxy speaks.
	LatestMinor = 2

	codeCancel  = 1234<<16 | 5678
	codeSSL     = 1234<<16 | 5679
	codeGSSENC  = 1234<<16 | 5680
	startupHead = 8 // int32 length + int32 code
)

// StartupKind tells which startup-phase packet was parsed.
type StartupKind uint8

// Startup packet kinds.
const (
	StartupMessage StartupKind = iota + 1
	SSLRequest
	GSSENCRequest
	CancelRequest
)

// String names the kind for logs.
func (k StartupKind) String() string {
	switch k {
	case StartupMessage:
		return "StartupMessage"
	case SSLRequest:
		return "SSLRequest"
	case GSSENCRequest:
		return "GSSENCRequest"
	case CancelRequest:
		return "CancelRequest"
	}
	return "unknown"
}

// Param is one StartupMessage name/value pair.
type Param struct{ Name, Value string }

// Startup is a parsed startup-phase packet. It owns its memory: nothing in
// it aliases the parsed buffer.
//
// Protocol versions follow PostgreSQL 18: any major other than 3 is
// ErrUnsupportedProtocol; every 3.x minor is accepted. Major and Minor are
// the version the client asked for. Minor 1 was never a real version and,
// like PostgreSQL, is served with 3.0 semantics (4-byte cancel keys) without
// negotiation; minors above LatestMinor are served as 3.2 and, like any
// "_pq_." option, call for a NegotiateProtocolVersion (see NeedsNegotiation).
type Startup struct {
	Kind         StartupKind
	Major, Minor uint16
	// Params are the StartupMessage pairs in wire order (user, database,
	// options, application_name, _pq_.* ...).
	Params []Param
	// ProcessID and SecretKey come from a CancelRequest. SecretKey is 4
	// bytes under protocol 3.0 and up to MaxCancelKeyLen bytes under 3.2.
	ProcessID uint32
	SecretKey []byte
}

// Get returns the value of the named parameter, or "" when absent. When a
// name is repeated the last value wins, as in PostgreSQL.
func (s *Startup) Get(name string) string {
	for i := len(s.Params) - 1; i >= 0; i-- {
		if s.Params[i].Name == name {
			return s.Params[i].Value
		}
	}
	return ""
}

// User returns the "user" parameter.
func (s *Startup) User() string { return s.Get("user") }

// Database returns the "database" parameter, defaulting to the user name as
// PostgreSQL does.
func (s *Startup) Database() string {
	if db := s.Get("database"); db != "" {
		return db
	}
	return s.User()
}

// ProtocolOptions returns the names of "_pq_." parameters in wire order; the
// proxy recognises none, so they all go back in NegotiateProtocolVersion.
func (s *Startup) ProtocolOptions() []string {
	var opts []string
	for _, p := range s.Params {
		if len(p.Name) >= 4 && p.Name[:4] == "_pq_" {
			opts = append(opts, p.Name)
		}
	}
	return opts
}

// NeedsNegotiation reports whether PostgreSQL would answer this
// StartupMessage with NegotiateProtocolVersion: a minor above LatestMinor or
// any "_pq_." option.
func (s *Startup) NeedsNegotiation() bool {
	return s.Kind == StartupMessage && (s.Minor > LatestMinor || len(s.ProtocolOptions()) > 0)
}

// ParseStartup parses one startup-phase packet at the start of buf: an int32
// length (itself included), an int32 code, then the body.
//
// n is the number of bytes consumed; n == 0 with a nil error means the
// packet is not complete yet. The length is checked as soon as it is
// readable: below 8 is ErrBadStartup, above MaxStartupLen is
// ErrStartupTooLarge. Malformed bodies (missing terminators, a name without
// a value, bytes after the final terminator, no user) match ErrBadStartup.
// On error n is 0 and the connection should be dropped.
func ParseStartup(buf []byte) (s Startup, n int, err error) {
	if len(buf) < 4 {
		return Startup{}, 0, nil
	}
	length := int32(binary.BigEndian.Uint32(buf))
	if length < startupHead {
		return Startup{}, 0, errStartupShort
	}
	if length > MaxStartupLen {
		return Startup{}, 0, ErrStartupTooLarge
	}
	if len(buf) < int(length) {
		return Startup{}, 0, nil
	}
	code := binary.BigEndian.Uint32(buf[4:startupHead])
	body := buf[startupHead:length]
	switch code {
	case codeSSL, codeGSSENC:
		if len(body) != 0 {
			return Startup{}, 0, errStartupRequestSize
		}
		s.Kind = SSLRequest
		if code == codeGSSENC {
			s.Kind = GSSENCRequest
		}
	case codeCancel:
		if len(body) < 4 || len(body) > 4+MaxCancelKeyLen {
			return Startup{}, 0, errStartupCancelSize
		}
		s.Kind = CancelRequest
		s.ProcessID = binary.BigEndian.Uint32(body)
		s.SecretKey = bytes.Clone(body[4:])
	default:
		s.Kind = StartupMessage
		s.Major, s.Minor = uint16(code>>16), uint16(code)
		if s.Major != 3 {
			return Startup{}, 0, ErrUnsupportedProtocol
		}
		if s.Params, err = parseParams(body); err != nil {
			return Startup{}, 0, err
		}
		if s.Get("user") == "" {
			return Startup{}, 0, ErrNoUser
		}
	}
	return s, int(length), nil
}

// parseParams splits a StartupMessage body (name\0value\0...\0) into pairs.
// The strings share one copy of the body.
func parseParams(body []byte) ([]Param, error) {
	if len(body) == 0 || body[len(body)-1] != 0 {
		return nil, errStartupUnterm
	}
	text := string(body) // one allocation backs every name and value
	count := 0
	for i := 0; i < len(body); i++ {
		if body[i] == 0 {
			count++
		}
	}
	params := make([]Param, 0, count/2)
	off := 0
	for {
		if off >= len(text) {
			return nil, errStartupUnterm
		}
		if text[off] == 0 {
			if off != len(text)-1 {
				return nil, errStartupTrailing
			}
			return params, nil
		}
		nameEnd := off + bytes.IndexByte(body[off:], 0) // found: body ends in 0
		valStart := nameEnd + 1
		if valStart >= len(text)-1 {
			// Only the final terminator is left: the name has no value.
			return nil, errStartupNoValue
		}
		valEnd := valStart + bytes.IndexByte(body[valStart:], 0)
		params = append(params, Param{Name: text[off:nameEnd], Value: text[valStart:valEnd]})
		off = valEnd + 1
	}
}
