// Method names the client authentication method chosen by the config's auth_type.

package auth

// Method is the config's auth_type: which conversation the proxy runs with its clients.
type Method string

// The supported authentication methods.
const (
	MethodSCRAM Method = "scram" // SCRAM-SHA-256 (md5 secrets cannot be used)
	MethodMD5   Method = "md5"   // MD5 challenge, or SCRAM when the secret is a SCRAM verifier
	MethodPlain Method = "plain" // cleartext password
	MethodTrust Method = "trust" // no password
)
