// Tests of ParseSecret: kinds, real PostgreSQL secrets, derived keys and malformed verifiers.

package auth

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xdg-go/scram"
)

func TestParseSecretKinds(t *testing.T) {
	cases := []struct{ password, kind string }{
		{"hunter2", "plain"},
		{md5CarolReal, "md5"},
		{strings.ToUpper(md5CarolReal[3:]), "plain"},       // no md5 prefix
		{"md5" + strings.ToUpper(md5CarolReal[3:]), "md5"}, // upper-case hex
		{md5CarolReal[:34], "plain"},                       // too short
		{"md5" + strings.Repeat("g", 32), "plain"},         // not hex
		{verifierAliceReal, "scram"},
		{"scram-sha-256$4096:abc$def:ghi", "plain"}, // prefix is case-sensitive
	}
	for _, c := range cases {
		s := mustSecret(t, "carol", c.password)
		if s.Kind() != c.kind {
			t.Errorf("Kind(%q) = %q, want %q", c.password, s.Kind(), c.kind)
		}
	}
	if (Secret{}).Kind() != "" {
		t.Error("zero Secret has a kind")
	}
}

func TestParseSecretMD5MatchesPostgres(t *testing.T) {
	s := mustSecret(t, "carol", "secret")
	if "md5"+s.md5 != md5CarolReal {
		t.Fatalf("md5 of plain secret = md5%s, PostgreSQL says %s", s.md5, md5CarolReal)
	}
	h := mustSecret(t, "carol", "md5"+strings.ToUpper(md5CarolReal[3:]))
	if "md5"+h.md5 != md5CarolReal {
		t.Fatalf("upper-case md5 not normalized: %s", h.md5)
	}
}

// TestParseSecretDerivesSCRAMKeys checks the keys derived from a plain
// password against xdg-go/scram's client, an independent derivation.
func TestParseSecretDerivesSCRAMKeys(t *testing.T) {
	a := mustSecret(t, "alice", "correct horse")
	b := mustSecret(t, "alice", "correct horse")
	if a.scram.Iters != 4096 || len(a.scram.Salt) != 16 {
		t.Fatalf("iterations %d, salt %d bytes", a.scram.Iters, len(a.scram.Salt))
	}
	if a.scram.Salt == b.scram.Salt {
		t.Fatal("two parses share a salt: salt is not random")
	}
	client, err := scram.SHA256.NewClient("alice", "correct horse", "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := client.GetStoredCredentialsWithError(a.scram.KeyFactors)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want.StoredKey, a.scram.StoredKey) || !bytes.Equal(want.ServerKey, a.scram.ServerKey) {
		t.Fatal("derived keys differ from the client's")
	}
}

// TestParseSecretPostgresVerifiers checks that keys derived from the right
// password with a real verifier's salt equal the verifier's keys.
func TestParseSecretPostgresVerifiers(t *testing.T) {
	for _, c := range []struct{ verifier, password string }{
		{verifierAliceReal, "correct horse"},
		{verifierBobReal, "pässwörd ①"},
	} {
		s := mustSecret(t, "u", c.verifier)
		stored, server, err := deriveSCRAM(saslPrep(c.password), []byte(s.scram.Salt), s.scram.Iters)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(stored, s.scram.StoredKey) || !bytes.Equal(server, s.scram.ServerKey) {
			t.Errorf("keys for %q do not match PostgreSQL's verifier", c.password)
		}
	}
}

func TestParseSecretErrors(t *testing.T) {
	bad := []string{
		"",
		"SCRAM-SHA-256$",
		"SCRAM-SHA-256$4096:c2FsdA==",
		"SCRAM-SHA-256$x:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8=",
		"SCRAM-SHA-256$0:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8=",
		"SCRAM-SHA-256$4096:$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8=",
		"SCRAM-SHA-256$4096:!!!$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8=",
		"SCRAM-SHA-256$4096:6h5SbuI8gRaxrQHEX6hUZQ==$c2hvcnQ=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8=",
		"SCRAM-SHA-256$4096:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=",
	}
	for _, p := range bad {
		if s, err := ParseSecret("u", p); err == nil {
			t.Errorf("ParseSecret(%q) = kind %q, want an error", p, s.Kind())
		}
	}
}
