// The SCRAM-SHA-256 conversation over SASL, served by xdg-go/scram with the startup user's keys.

package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
)

// scramMechanism is the only SASL mechanism offered: no -PLUS variant, as
// channel binding needs TLS.
const scramMechanism = "SCRAM-SHA-256"

var scramMechanisms = []string{scramMechanism}

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
// One server conversation runs per secret, all with the same nonce, salt
// and iteration count, so their server-first messages are the same.
func (x *Exchange) scramFirst(dst, data []byte) ([]byte, bool, error) {
	if len(data) == 0 || bytes.IndexByte(data, 0) >= 0 {
		return dst, false, fmt.Errorf("%w: malformed SCRAM message", ErrProtocol)
	}
	nonce := scramNonce()
	var s1 string
	for _, secret := range x.secrets {
		creds := *secret.scram
		server, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return creds, nil })
		if err != nil {
			return dst, false, fmt.Errorf("cannot start SCRAM: %w", err)
		}
		sc := server.WithNonceGenerator(func() string { return nonce }).NewConversation()
		first, err := sc.Step(string(data))
		if err != nil {
			return dst, false, fmt.Errorf("%w: malformed SCRAM client-first message: %v", ErrProtocol, err)
		}
		if sc.AuthzID() != "" {
			return dst, false, fmt.Errorf("%w: SCRAM authorization identity is not supported", ErrProtocol)
		}
		if s1 != "" && first != s1 { // unreachable: the secrets share their key factors
			return dst, false, fmt.Errorf("cannot start SCRAM: secrets of user %q differ in salt", x.user)
		}
		s1 = first
		x.scs = append(x.scs, sc)
	}
	x.step = stepClientFinal
	return appendSASLContinue(dst, []byte(s1)), false, nil
}

// scramNonce draws the server's part of a SCRAM nonce.
func scramNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it panics instead)
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// scramFinal checks the client proof against every secret and answers
// with the server signature of the one it matches.
func (x *Exchange) scramFinal(dst, data []byte) ([]byte, bool, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return dst, false, fmt.Errorf("%w: malformed SCRAM message", ErrProtocol)
	}
	var s2 string
	for _, sc := range x.scs {
		out, err := sc.Step(string(data))
		if err != nil {
			switch out {
			case scram.ErrInvalidProof, scram.ErrOtherError: // wrong proof or nonce
				continue
			}
			return dst, false, fmt.Errorf("%w: malformed SCRAM client-final message: %v", ErrProtocol, err)
		}
		if sc.Valid() && s2 == "" {
			s2 = out
		}
	}
	if !x.known || s2 == "" {
		return dst, false, ErrAuthFailed
	}
	msg := pgproto3.AuthenticationSASLFinal{Data: []byte(s2)}
	out, _ := msg.Encode(dst) // short content: cannot fail
	return out, true, nil
}

// appendSASLContinue appends AuthenticationSASLContinue carrying data.
func appendSASLContinue(dst, data []byte) []byte {
	msg := pgproto3.AuthenticationSASLContinue{Data: data}
	out, _ := msg.Encode(dst) // short content: cannot fail
	return out
}
