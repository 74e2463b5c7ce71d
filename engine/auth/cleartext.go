// The cleartext password conversation and the check of a password against each secret kind.

package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"

	"github.com/jackc/pgx/v5/pgproto3"
)

// beginCleartext appends AuthenticationCleartextPassword.
func (x *Exchange) beginCleartext(dst []byte) []byte {
	var msg pgproto3.AuthenticationCleartextPassword
	out, _ := msg.Encode(dst) // fixed size: cannot fail
	return out
}

// stepCleartext checks the password the client sent in clear.
func (x *Exchange) stepCleartext(dst, body []byte) ([]byte, bool, error) {
	pw, err := passwordText(body)
	if err != nil {
		return dst, false, err
	}
	if x.capture {
		if len(pw) == 0 { // PostgreSQL refuses an empty password without asking anyone
			return dst, false, ErrAuthFailed
		}
		x.pw = append([]byte(nil), pw...)
		return dst, true, nil
	}
	if !x.secrets.Match(x.user, pw) || !x.known {
		return dst, false, ErrAuthFailed
	}
	return dst, true, nil
}

// verifyCleartext tells whether pw is the password behind s, in constant
// time for a given secret. Against a SCRAM verifier it runs PBKDF2 with the
// verifier's salt and iterations.
func verifyCleartext(s Secret, user string, pw []byte) bool {
	switch s.kind {
	case kindPlain:
		// Hash first so that the comparison does not leak the length.
		got, want := sha256.Sum256(pw), sha256.Sum256([]byte(s.plain))
		return subtle.ConstantTimeCompare(got[:], want[:]) == 1
	case kindMD5:
		h := md5.New()
		h.Write(pw)
		h.Write([]byte(user))
		var sum [md5.Size]byte
		var got [2 * md5.Size]byte
		hex.Encode(got[:], h.Sum(sum[:0]))
		return subtle.ConstantTimeCompare(got[:], []byte(s.md5)) == 1
	case kindSCRAM:
		c := s.scram
		stored, server, err := deriveSCRAM(saslPrep(string(pw)), []byte(c.Salt), c.Iters)
		if err != nil {
			return false
		}
		return subtle.ConstantTimeCompare(stored, c.StoredKey)&subtle.ConstantTimeCompare(server, c.ServerKey) == 1
	}
	return false
}
