// SCRAM-SHA-256 key derivation, verifier parsing and the mock keys of unknown users.

package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdg-go/scram"
	"github.com/xdg-go/stringprep"
)

const (
	scramPrefix     = "SCRAM-SHA-256$"
	scramSaltLen    = 16   // bytes of random salt for keys derived from plain passwords
	scramIterations = 4096 // PostgreSQL's default scram_iterations
	scramMaxIters   = 1 << 24
)

// mockKey keys the per-user mock salt of unknown users, so that the same
// unknown name always gets the same salt (as a real user would) while the
// salt reveals nothing. It is fixed for the life of the process.
var mockKey = func() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k) // crypto/rand.Read never fails (it panics instead)
	return k
}()

// saslPrep normalizes a password as PostgreSQL does before deriving SCRAM
// keys: SASLprep, falling back to the raw bytes when SASLprep rejects it.
func saslPrep(password string) string {
	if p, err := stringprep.SASLprep.Prepare(password); err == nil {
		return p
	}
	return password
}

// deriveSCRAM computes PostgreSQL's StoredKey and ServerKey for a password
// (already SASLprep'd), salt and iteration count. It costs one PBKDF2 run.
func deriveSCRAM(password string, salt []byte, iters int) (storedKey, serverKey []byte, err error) {
	salted, err := pbkdf2.Key(sha256.New, password, salt, iters, sha256.Size)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot derive SCRAM keys: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	sum := sha256.Sum256(clientKey)
	return sum[:], hmacSHA256(salted, "Server Key"), nil
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// newSCRAMCredentials derives stored credentials from a plain password with a
// fresh random salt and the default iteration count.
func newSCRAMCredentials(password string) (*scram.StoredCredentials, error) {
	return scramCredentials(password, newSalt(), scramIterations)
}

// newSalt draws a random salt for keys derived from plain passwords.
func newSalt() []byte {
	salt := make([]byte, scramSaltLen)
	_, _ = rand.Read(salt)
	return salt
}

// scramCredentials derives stored credentials from a plain password with
// the given salt and iteration count.
func scramCredentials(password string, salt []byte, iters int) (*scram.StoredCredentials, error) {
	stored, server, err := deriveSCRAM(saslPrep(password), salt, iters)
	if err != nil {
		return nil, err
	}
	return &scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: iters},
		StoredKey:  stored,
		ServerKey:  server,
	}, nil
}

// parseSCRAMVerifier reads PostgreSQL's
// "SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>".
func parseSCRAMVerifier(v string) (*scram.StoredCredentials, error) {
	rest, ok := strings.CutPrefix(v, scramPrefix)
	if !ok {
		return nil, fmt.Errorf("cannot parse SCRAM verifier: missing %q prefix", scramPrefix)
	}
	factors, keys, ok := strings.Cut(rest, "$")
	iterText, saltText, ok1 := strings.Cut(factors, ":")
	storedText, serverText, ok2 := strings.Cut(keys, ":")
	if !ok || !ok1 || !ok2 {
		return nil, fmt.Errorf("cannot parse SCRAM verifier: want %s<iterations>:<salt>$<StoredKey>:<ServerKey>", scramPrefix)
	}
	iters, err := strconv.Atoi(iterText)
	if err != nil || iters < 1 || iters > scramMaxIters {
		return nil, fmt.Errorf("cannot parse SCRAM verifier: bad iteration count %q", iterText)
	}
	salt, err := base64.StdEncoding.DecodeString(saltText)
	if err != nil || len(salt) == 0 {
		return nil, fmt.Errorf("cannot parse SCRAM verifier: bad salt")
	}
	stored, err1 := base64.StdEncoding.DecodeString(storedText)
	server, err2 := base64.StdEncoding.DecodeString(serverText)
	if err1 != nil || err2 != nil || len(stored) != sha256.Size || len(server) != sha256.Size {
		return nil, fmt.Errorf("cannot parse SCRAM verifier: keys must be %d bytes of base64", sha256.Size)
	}
	return &scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: iters},
		StoredKey:  stored,
		ServerKey:  server,
	}, nil
}

// mockSecret builds the secret an unknown user is checked against: SCRAM
// keys with a salt that is stable per name and an MD5 hash nobody knows.
// It costs a few HMACs, no PBKDF2; the conversation it drives always fails.
func mockSecret(user string) Secret {
	m := hmac.New(sha256.New, mockKey)
	m.Write([]byte(user))
	seed := m.Sum(nil)
	return Secret{
		kind: kindMD5, // cleartext checks against the MD5 hash: cheap, and always wrong
		md5:  fmt.Sprintf("%x", seed[:16]),
		scram: &scram.StoredCredentials{
			KeyFactors: scram.KeyFactors{Salt: string(seed[:scramSaltLen]), Iters: scramIterations},
			StoredKey:  hmacSHA256(seed, "Stored Key"),
			ServerKey:  hmacSHA256(seed, "Server Key"),
		},
	}
}
