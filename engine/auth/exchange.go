// Exchange: one client's authentication conversation, chosen from the method and the secret.

package auth

import (
	"fmt"
	"log/slog"

	"github.com/xdg-go/scram"
)

// convKind is the conversation an Exchange runs.
type convKind uint8

const (
	convNone      convKind = iota // trust: nothing to ask
	convSCRAM                     // SCRAM-SHA-256 over SASL
	convMD5                       // AuthenticationMD5Password
	convCleartext                 // AuthenticationCleartextPassword
)

// step is where a conversation stands.
type step uint8

const (
	stepBegin       step = iota // Begin not called yet
	stepPassword                // waiting for PasswordMessage (MD5, cleartext)
	stepSASLInitial             // waiting for SASLInitialResponse
	stepClientFirst             // waiting for a SASLResponse with the client-first message
	stepClientFinal             // waiting for a SASLResponse with the client-final message
	stepDone                    // finished, successfully or not
)

// Exchange is one client's authentication conversation. Not safe for
// concurrent use (one event loop owns it). It never blocks; only cleartext
// passwords checked against a SCRAM verifier cost a PBKDF2 run.
type Exchange struct {
	conv    convKind
	step    step
	known   bool    // the user exists and has a usable secret
	user    string  // the startup user: the one authenticated, whatever SCRAM's n= says
	secrets Secrets // the user's secrets the conversation can check, or a mock one for unknown users
	salt    [4]byte
	scs     []*scram.ServerConversation // one per secret, sharing one server nonce
	capture bool                        // passthrough: the cleartext password is kept, not checked
	pw      []byte                      // the captured password
}

// NewExchange is NewExchangeAny for a user with one password; the zero
// Secret stands for none.
func NewExchange(m Method, user string, s Secret, known bool) *Exchange {
	var list Secrets
	if s.kind != kindNone {
		list = Secrets{s}
	}
	return NewExchangeAny(m, user, list, known)
}

// NewExchangeAny picks the conversation, in which any of the user's
// secrets authenticates: scram → SCRAM-SHA-256 against the secrets with
// SCRAM keys of one salt (md5 hashes cannot serve it: a user with only
// those always fails, as in PostgreSQL); md5 → MD5 against the plain
// passwords and md5 hashes, or SCRAM when the user has only SCRAM
// verifiers (as PgBouncer does); plain → cleartext password against all;
// trust → none. An unknown user (known false, or no secret the method can
// use) runs the same full conversation against a mock secret and fails at
// its end, so that unknown users cannot be told from wrong passwords;
// under md5 it gets MD5. Under trust an unknown user is not let through: it
// is asked for a cleartext password and refused. An unknown Method string
// is treated as scram.
func NewExchangeAny(m Method, user string, s Secrets, known bool) *Exchange {
	x := &Exchange{user: user, secrets: s, known: known && len(s) > 0}
	switch m {
	case MethodTrust:
		x.conv = convNone
		if !known {
			x.conv = convCleartext
		}
	case MethodPlain:
		x.conv = convCleartext
	case MethodMD5:
		x.conv = convMD5
		if g := s.md5Group(); len(g) > 0 {
			x.secrets = g
		} else if g := s.scramGroup(); x.known && len(g) > 0 {
			x.conv, x.secrets = convSCRAM, g
		}
	default:
		x.conv = convSCRAM
		x.secrets = s.scramGroup()
		if x.known && len(x.secrets) == 0 {
			slog.Warn("md5 password cannot be used with SCRAM authentication", "user", user)
		}
	}
	if len(x.secrets) == 0 {
		x.known = false
	}
	if !x.known && x.conv != convNone {
		x.secrets = Secrets{mockSecret(user)}
	}
	return x
}

// NewPassthrough runs passthrough authentication's conversation: the
// client's password is asked in clear and kept, for the caller to check by
// logging in to PostgreSQL with it (Password).
func NewPassthrough(user string) *Exchange {
	return &Exchange{user: user, conv: convCleartext, capture: true, known: true}
}

// Password is the password a passthrough exchange received (a copy), or
// nil before it did.
func (x *Exchange) Password() []byte { return x.pw }

// Begin appends the first authentication request (AuthenticationSASL with
// "SCRAM-SHA-256", AuthenticationMD5Password with a random salt, or
// AuthenticationCleartextPassword) to dst. done=true means no conversation
// is needed (trust) and the caller may send AuthenticationOk. Call it once.
func (x *Exchange) Begin(dst []byte) (out []byte, done bool) {
	if x.step != stepBegin {
		return dst, false
	}
	switch x.conv {
	case convSCRAM:
		x.step = stepSASLInitial
		return x.beginSCRAM(dst), false
	case convMD5:
		x.step = stepPassword
		return x.beginMD5(dst), false
	case convCleartext:
		x.step = stepPassword
		return x.beginCleartext(dst), false
	}
	x.step = stepDone
	return dst, true
}

// Step consumes the body of one 'p' message (what follows its 5-byte header;
// the Exchange keeps no reference to it) and appends the reply
// (AuthenticationSASLContinue / AuthenticationSASLFinal) to dst. done=true
// with err==nil: authenticated, the caller appends AuthenticationOk. err !=
// nil: authentication failed (ErrAuthFailed) or the message was malformed or
// unexpected (an error wrapping ErrProtocol); the conversation is over and
// the caller sends FATAL 28P01 (or 08P01) and closes. On error out is dst.
func (x *Exchange) Step(dst []byte, body []byte) (out []byte, done bool, err error) {
	switch {
	case x.step == stepBegin || x.step == stepDone:
		err = fmt.Errorf("%w: unexpected password message", ErrProtocol)
	case x.conv == convSCRAM:
		out, done, err = x.stepSCRAM(dst, body)
	case x.conv == convMD5:
		out, done, err = x.stepMD5(dst, body)
	case x.conv == convCleartext:
		out, done, err = x.stepCleartext(dst, body)
	default:
		err = fmt.Errorf("%w: unexpected password message", ErrProtocol)
	}
	if err != nil {
		x.finish()
		return dst, false, err
	}
	if done {
		x.finish()
	}
	return out, done, nil
}

// finish ends the conversation and drops what it no longer needs.
func (x *Exchange) finish() {
	x.step = stepDone
	x.scs = nil
}

// passwordText checks a PasswordMessage body (a NUL-terminated string and
// nothing else) and returns the string without its NUL, aliasing body.
func passwordText(body []byte) ([]byte, error) {
	n := len(body)
	if n == 0 || body[n-1] != 0 {
		return nil, fmt.Errorf("%w: password message is not NUL-terminated", ErrProtocol)
	}
	for _, c := range body[:n-1] {
		if c == 0 {
			return nil, fmt.Errorf("%w: invalid password message size", ErrProtocol)
		}
	}
	return body[:n-1], nil
}
