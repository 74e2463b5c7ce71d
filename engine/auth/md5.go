// The MD5 password conversation: AuthenticationMD5Password and its PasswordMessage.

package auth

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"

	"github.com/jackc/pgx/v5/pgproto3"
)

// md5ResponseLen is len("md5") + 32 hex digits.
const md5ResponseLen = 35

// beginMD5 draws the salt and appends AuthenticationMD5Password.
func (x *Exchange) beginMD5(dst []byte) []byte {
	_, _ = rand.Read(x.salt[:]) // crypto/rand.Read never fails (it panics instead)
	msg := pgproto3.AuthenticationMD5Password{Salt: x.salt}
	out, _ := msg.Encode(dst) // fixed size: cannot fail
	return out
}

// stepMD5 checks "md5" + hex(md5(hex(md5(password+user)) + salt)).
func (x *Exchange) stepMD5(dst, body []byte) ([]byte, bool, error) {
	got, err := passwordText(body)
	if err != nil {
		return dst, false, err
	}
	ok := false
	for _, s := range x.secrets {
		var want [md5ResponseLen]byte
		md5Response(&want, s.md5, x.salt)
		ok = subtle.ConstantTimeCompare(got, want[:]) == 1 || ok
	}
	if !ok || !x.known {
		return dst, false, ErrAuthFailed
	}
	return dst, true, nil
}

// md5Response fills out with the response a client knowing the inner hash
// (hex md5(password+user)) sends for salt.
func md5Response(out *[md5ResponseLen]byte, inner string, salt [4]byte) {
	var buf [32 + 4]byte
	copy(buf[:32], inner)
	copy(buf[32:], salt[:])
	sum := md5.Sum(buf[:])
	copy(out[:3], "md5")
	hex.Encode(out[3:], sum[:])
}
