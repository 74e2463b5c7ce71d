// Benchmark of one full SCRAM-SHA-256 login as the proxy serves it.

package auth

import (
	"testing"

	"github.com/xdg-go/scram"
)

// BenchmarkSCRAMLogin measures the server side of one login (NewExchange,
// Begin and both Steps) with the client messages precomputed where the
// protocol allows: the client's proof depends on the server nonce, so it is
// computed inside the loop and reported apart as BenchmarkSCRAMClientProof.
func BenchmarkSCRAMLogin(b *testing.B) {
	secret := mustSecret(b, "alice", "correct horse")
	client, err := scram.SHA256.NewClient("", "correct horse", "")
	if err != nil {
		b.Fatal(err)
	}
	// Warm the client's PBKDF2 cache: the benchmark measures the exchange, not PBKDF2.
	if _, err := client.GetStoredCredentialsWithError(secret.scram.KeyFactors); err != nil {
		b.Fatal(err)
	}
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		conv := client.NewConversation()
		c1, _ := conv.Step("")
		x := NewExchange(MethodSCRAM, "alice", secret, true)
		dst, _ = x.Begin(dst[:0])
		out, _, err := x.Step(dst[:0], saslInitial("SCRAM-SHA-256", []byte(c1), true))
		if err != nil {
			b.Fatal(err)
		}
		c2, err := conv.Step(string(out[9:]))
		if err != nil {
			b.Fatal(err)
		}
		dst, done, err := x.Step(out[:0], []byte(c2))
		if err != nil || !done {
			b.Fatal(err)
		}
		_ = dst
	}
}
