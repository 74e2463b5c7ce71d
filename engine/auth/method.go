// Method names the client authentication method chosen by the config's auth_type.
package auth

import "fmt"

// Method is the config's auth_type: which conversation the proxy runs with its clients.
type Method string

// The supported authentication methods.
const (
	MethodSCRAM Method = "scram" // SCRAM-SHA-256 (md5 secrets cannot be used)
	MethodMD5   Method = "md5"   // MD5 challenge, or SCRAM when the secret is a SCRAM verifier
	MethodPlain Method = "plain" // cleartext password
	MethodTrust Method = "trust" // no password
)

// ParseMethod checks a config auth_type value. "scram-sha-256" is accepted as
// an alias of "scram", as PgBouncer spells it.
func ParseMethod(s string) (Method, error) {
	switch Method(s) {
	case MethodSCRAM, "scram-sha-256":
		return MethodSCRAM, nil
	case MethodMD5, MethodPlain, MethodTrust:
		return Method(s), nil
	}
	return "", fmt.Errorf("cannot parse auth_type %q: want scram, md5, plain or trust", s)
}
