// The SCRAM-SHA-256 conversation over SASL, served by xdg-go/scram with the startup user's keys.

package auth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// scramMechanism is the only SASL mechanism offered: no -PLUS variant, as
// channel binding needs TLS.
const scramMechanism = "SCRAM-SHA-256"

var scramMechanisms = []string{scramMechanism}

var errNoSCRAMKeys = errors.New("no SCRAM keys")

// beginSCRAM appends AuthenticationSASL offering SCRAM-SHA-256.
func (x *Exchange) beginSCRAM(dst []byte) []byte {
	msg := pgproto3.AuthenticationSASL{AuthMechanisms: scramMechanisms}
	out, _ := msg.Encode(dst) // small fixed content: cannot fail
	return out
}

// stepSCRAM advances the SASL conversation by one client message.
func (x *Exchange) stepSCRAM(dst, body []byte) ([]byte, bool, error) {
	switch x.step {
	case stepSASLInitial:
		data, present, err := parseSASLInitialResponse(body)
		if err != nil {
			return dst, false, err
		}
		if !present {
			// No initial response: ask for the client-first message with an
			// empty challenge, as PostgreSQL does.
			x.step = stepClientFirst
			return appendSASLContinue(dst, nil), false, nil
		}
		return x.scramFirst(dst, data)
	case stepClientFirst:
		return x.scramFirst(dst, body)
	case stepClientFinal:
		return x.scramFinal(dst, body)
	}
	return dst, false, fmt.Errorf("%w: unexpected SASL message", ErrProtocol)
}

// parseSASLInitialResponse reads the mechanism (which must be SCRAM-SHA-256)
// and the initial response; present is false when its length is -1. data
// aliases body.
func parseSASLInitialResponse(body []byte) (data []byte, present bool, err error) {
	end := bytes.IndexByte(body, 0)
	if end < 0 || len(body)-end-1 < 4 {
		return nil, false, fmt.Errorf("%w: malformed SASLInitialResponse", ErrProtocol)
	}
	if string(body[:end]) != scramMechanism {
		return nil, false, fmt.Errorf("%w: client selected an invalid SASL authentication mechanism", ErrProtocol)
	}
	n := int32(binary.BigEndian.Uint32(body[end+1:]))
	data = body[end+5:]
	if n == -1 && len(data) == 0 {
		return nil, false, nil
	}
	if n < 0 || int(n) != len(data) {
		return nil, false, fmt.Errorf("%w: malformed SASLInitialResponse", ErrProtocol)
	}
	return data, true, nil
}

// scramFirst answers the client-first message with the server-first one.
func (x *Exchange) scramFirst(dst, data []byte) ([]byte, bool, error) {
	if len(data) == 0 || bytes.IndexByte(data, 0) >= 0 {
		return dst, false, fmt.Errorf("%w: malformed SCRAM message", ErrProtocol)
	}
	server, err := scram.SHA256.NewServer(x.credentials)
	if err != nil {
		return dst, false, fmt.Errorf("cannot start SCRAM: %w", err)
	}
	sc := server.NewConversation()
	s1, err := sc.Step(string(data))
	if err != nil {
		return dst, false, fmt.Errorf("%w: malformed SCRAM client-first message: %v", ErrProtocol, err)
	}
	if sc.AuthzID() != "" {
		return dst, false, fmt.Errorf("%w: SCRAM authorization identity is not supported", ErrProtocol)
	}
	x.sc = sc
	x.step = stepClientFinal
	return appendSASLContinue(dst, []byte(s1)), false, nil
}

// scramFinal checks the client proof and answers with the server signature.
func (x *Exchange) scramFinal(dst, data []byte) ([]byte, bool, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return dst, false, fmt.Errorf("%w: malformed SCRAM message", ErrProtocol)
	}
	s2, err := x.sc.Step(string(data))
	if err != nil {
		switch s2 {
		case scram.ErrInvalidProof, scram.ErrOtherError: // wrong proof or nonce
			return dst, false, ErrAuthFailed
		}
		return dst, false, fmt.Errorf("%w: malformed SCRAM client-final message: %v", ErrProtocol, err)
	}
	if !x.known || !x.sc.Valid() {
		return dst, false, ErrAuthFailed
	}
	msg := pgproto3.AuthenticationSASLFinal{Data: []byte(s2)}
	out, _ := msg.Encode(dst) // short content: cannot fail
	return out, true, nil
}

// credentials is the SCRAM credential lookup. It ignores the name in the
// client-first message (libpq sends an empty one): the startup user is the
// one authenticated.
func (x *Exchange) credentials(string) (scram.StoredCredentials, error) {
	if x.secret.scram == nil { // unreachable: NewExchange gives SCRAM conversations keys
		return scram.StoredCredentials{}, errNoSCRAMKeys
	}
	return *x.secret.scram, nil
}

// appendSASLContinue appends AuthenticationSASLContinue carrying data.
func appendSASLContinue(dst, data []byte) []byte {
	msg := pgproto3.AuthenticationSASLContinue{Data: data}
	out, _ := msg.Encode(dst) // short content: cannot fail
	return out
}
