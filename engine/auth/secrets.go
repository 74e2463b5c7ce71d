// Secrets: every password of one user, any of which authenticates; plain ones share one SCRAM salt.

package auth

import (
	"fmt"

	"github.com/xdg-go/scram"
)

// Secrets are the passwords a user may log in with (users.toml's
// passwords, password and password_hash), in order. The plain ones have
// their SCRAM keys derived with one salt and iteration count, those of the
// first SCRAM verifier when there is one, so that one SCRAM conversation
// can check a client against all of them. A nil Secrets authenticates no one.
type Secrets []Secret

// ParseSecrets reads every password of user (see ParseSecret); none may be
// empty. It costs one PBKDF2 run per plain password.
func ParseSecrets(user string, passwords []string) (Secrets, error) {
	out := make(Secrets, len(passwords))
	var plain []int
	var factors *scram.KeyFactors
	for i, pw := range passwords {
		s, ok, err := parseStored(pw)
		switch {
		case err != nil:
			return nil, fmt.Errorf("cannot parse password of user %q: %w", user, err)
		case !ok:
			plain = append(plain, i)
		case s.kind == kindSCRAM && factors == nil:
			factors = &s.scram.KeyFactors
		}
		out[i] = s
	}
	salt, iters := newSalt(), scramIterations
	if factors != nil {
		salt, iters = []byte(factors.Salt), factors.Iters
	}
	for _, i := range plain {
		creds, err := scramCredentials(passwords[i], salt, iters)
		if err != nil {
			return nil, fmt.Errorf("cannot parse password of user %q: %w", user, err)
		}
		out[i] = plainSecret(user, passwords[i], creds)
	}
	return out, nil
}

// Match tells whether pw, received in clear, is one of the passwords, in
// constant time for given secrets. Against a SCRAM verifier it runs PBKDF2.
func (s Secrets) Match(user string, pw []byte) bool {
	if len(pw) == 0 { // an empty password never authenticates (PostgreSQL refuses it too)
		return false
	}
	ok := false
	for _, one := range s {
		ok = verifyCleartext(one, user, pw) || ok
	}
	return ok
}

// scramGroup returns the secrets one SCRAM conversation can check: those
// with the salt and iteration count of the first SCRAM verifier, or else
// of the first plain password. It is empty when none has SCRAM keys (md5
// hashes only).
func (s Secrets) scramGroup() Secrets {
	var lead *scram.StoredCredentials
	for _, one := range s {
		if one.kind == kindSCRAM {
			lead = one.scram
			break
		}
		if one.kind == kindPlain && lead == nil {
			lead = one.scram
		}
	}
	var out Secrets
	for _, one := range s {
		if lead != nil && one.scram != nil && one.scram.KeyFactors == lead.KeyFactors {
			out = append(out, one)
		}
	}
	return out
}

// md5Group returns the secrets an MD5 conversation can check: plain
// passwords and md5 hashes.
func (s Secrets) md5Group() Secrets {
	var out Secrets
	for _, one := range s {
		if one.kind == kindPlain || one.kind == kindMD5 {
			out = append(out, one)
		}
	}
	return out
}
