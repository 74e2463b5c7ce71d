// Secret: a users.toml password (plain, PostgreSQL md5 hash or SCRAM verifier) with its derived keys.

package auth

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"
)

type secretKind uint8

const (
	kindNone secretKind = iota
	kindPlain
	kindMD5
	kindSCRAM
)

// Secret is a users.toml password: plain text, a PostgreSQL md5 hash ("md5"
// + 32 hex of md5(password+user)), or a SCRAM verifier
// ("SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>").
// Everything a login needs is derived once by ParseSecret; a Secret is
// immutable afterwards and safe to share between goroutines. The zero Secret
// stands for "no password" and never authenticates anyone.
type Secret struct {
	kind  secretKind
	plain string                   // kindPlain: the password itself
	md5   string                   // kindPlain, kindMD5: hex md5(password+user), lower case
	scram *scram.StoredCredentials // kindPlain, kindSCRAM: SCRAM-SHA-256 keys
}

// ParseSecret reads the password of user. A value starting with
// "SCRAM-SHA-256$" must be a well-formed verifier; "md5" followed by exactly
// 32 hex digits is an md5 hash; anything else is a plain password, whose
// SCRAM keys are derived here once (random 16-byte salt, 4096 iterations:
// about a millisecond of CPU) so that logins never run PBKDF2.
func ParseSecret(user, password string) (Secret, error) {
	s, ok, err := parseStored(password)
	if err != nil {
		return Secret{}, fmt.Errorf("cannot parse password of user %q: %w", user, err)
	}
	if ok {
		return s, nil
	}
	creds, err := newSCRAMCredentials(password)
	if err != nil {
		return Secret{}, fmt.Errorf("cannot parse password of user %q: %w", user, err)
	}
	return plainSecret(user, password, creds), nil
}

// CheckPassword tells, without deriving any key, whether a users.toml
// password is stored in a hashed form (a SCRAM verifier or an md5 hash),
// and what is wrong with it: empty, or a malformed verifier.
func CheckPassword(password string) (hashed bool, err error) {
	_, hashed, err = parseStored(password)
	return hashed, err
}

// parseStored reads a password that is stored in a hashed form: a SCRAM
// verifier or an md5 hash (ok true), or refuses an empty one. A plain
// password gives ok false and no error.
func parseStored(password string) (s Secret, ok bool, err error) {
	switch {
	case password == "":
		return Secret{}, false, errors.New("the password is empty")
	case strings.HasPrefix(password, scramPrefix):
		creds, err := parseSCRAMVerifier(password)
		if err != nil {
			return Secret{}, false, err
		}
		return Secret{kind: kindSCRAM, scram: creds}, true, nil
	case isMD5Hash(password):
		return Secret{kind: kindMD5, md5: strings.ToLower(password[3:])}, true, nil
	}
	return Secret{}, false, nil
}

// plainSecret is a plain password of user with its SCRAM keys.
func plainSecret(user, password string, creds *scram.StoredCredentials) Secret {
	return Secret{kind: kindPlain, plain: password, md5: md5Hex(password + user), scram: creds}
}

// Kind reports what the password was: "plain", "md5" or "scram"; "" for the
// zero Secret.
func (s Secret) Kind() string {
	switch s.kind {
	case kindPlain:
		return "plain"
	case kindMD5:
		return "md5"
	case kindSCRAM:
		return "scram"
	}
	return ""
}

// isMD5Hash tells whether s is "md5" followed by exactly 32 hex digits.
func isMD5Hash(s string) bool {
	if len(s) != 35 || !strings.HasPrefix(s, "md5") {
		return false
	}
	for i := 3; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// md5Hex returns the lower-case hex MD5 of s.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
