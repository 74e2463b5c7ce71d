// Fuzz test of Exchange.Step with arbitrary message bodies.

package auth

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSecret is parsed once: deriving SCRAM keys per input would slow the fuzzer.
var fuzzSecret, _ = ParseSecret("alice", "correct horse")

// FuzzStep feeds two arbitrary 'p' bodies to an exchange of each method and
// checks that it neither panics nor reports anything but the two sentinel
// errors, and leaves dst alone on error.
func FuzzStep(f *testing.F) {
	f.Add(byte(0), saslInitial("SCRAM-SHA-256", []byte("n,,n=,r=abc"), true), []byte("c=biws,r=abc,p=AAAA"))
	f.Add(byte(0), saslInitial("SCRAM-SHA-256", nil, false), []byte("n,,n=,r=abc"))
	f.Add(byte(1), []byte("md5d41d8cd98f00b204e9800998ecf8427e\x00"), []byte{})
	f.Add(byte(2), []byte("correct horse\x00"), []byte("again\x00"))
	methods := []Method{MethodSCRAM, MethodMD5, MethodPlain, MethodTrust}
	f.Fuzz(func(t *testing.T, method byte, first, second []byte) {
		m := methods[int(method)%len(methods)]
		x := NewExchange(m, "alice", fuzzSecret, method < 128)
		x.Begin(nil)
		for _, body := range [][]byte{first, second} {
			dst := []byte("dst")
			out, done, err := x.Step(dst, body)
			if err != nil {
				if !errors.Is(err, ErrAuthFailed) && !errors.Is(err, ErrProtocol) {
					t.Fatalf("unexpected error %v", err)
				}
				if !bytes.Equal(out, []byte("dst")) {
					t.Fatalf("dst changed on error: %q", out)
				}
				return
			}
			if !bytes.HasPrefix(out, []byte("dst")) {
				t.Fatalf("reply does not extend dst: %q", out)
			}
			if done {
				if method >= 128 {
					t.Fatal("unknown user authenticated")
				}
				return
			}
		}
	})
}
