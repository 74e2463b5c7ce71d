// Tests of Secrets: several passwords for one user, checked by every method, and the passthrough exchange.

package auth

import (
	"errors"
	"testing"
)

// mustSecrets parses a list of passwords or fails the test.
func mustSecrets(t testing.TB, user string, passwords ...string) Secrets {
	t.Helper()
	s, err := ParseSecrets(user, passwords)
	if err != nil {
		t.Fatalf("ParseSecrets(%q): %v", passwords, err)
	}
	return s
}

// loginAny plays a client knowing password against a fresh exchange of m over s.
func loginAny(t *testing.T, m Method, s Secrets, password string) error {
	t.Helper()
	return login(t, NewExchangeAny(m, "alice", s, true), "", "alice", password)
}

// TestSecretsEachPasswordLogsIn: with several passwords, each one logs in
// under every method that can check it, and another password does not.
func TestSecretsEachPasswordLogsIn(t *testing.T) {
	md5Second := "md5" + md5Hex("second"+"alice")
	cases := []struct {
		name      string
		passwords []string
		// ok lists, per method, the passwords that must log in; every other
		// password of "first", "second", "correct horse" and "nope" must fail.
		ok map[Method][]string
	}{
		{"two plain", []string{"first", "second"}, map[Method][]string{
			MethodSCRAM: {"first", "second"}, MethodMD5: {"first", "second"}, MethodPlain: {"first", "second"}}},
		{"plain and verifier", []string{"first", verifierAliceReal}, map[Method][]string{
			// plain keys share the verifier's salt: one SCRAM conversation checks both
			MethodSCRAM: {"first", "correct horse"}, MethodMD5: {"first"}, MethodPlain: {"first", "correct horse"}}},
		{"plain and md5 hash", []string{"first", md5Second}, map[Method][]string{
			MethodSCRAM: {"first"}, MethodMD5: {"first", "second"}, MethodPlain: {"first", "second"}}},
		{"verifier only", []string{verifierAliceReal}, map[Method][]string{
			MethodSCRAM: {"correct horse"}, MethodMD5: {"correct horse"}, MethodPlain: {"correct horse"}}},
		{"md5 hash only", []string{md5Second}, map[Method][]string{
			MethodSCRAM: {}, MethodMD5: {"second"}, MethodPlain: {"second"}}},
	}
	for _, c := range cases {
		s := mustSecrets(t, "alice", c.passwords...)
		for m, good := range c.ok {
			for _, pw := range []string{"first", "second", "correct horse", "nope"} {
				want := contains(good, pw)
				err := loginAny(t, m, s, pw)
				if want && err != nil {
					t.Errorf("%s, %s: password %q: %v, want a login", c.name, m, pw, err)
				}
				if !want && !errors.Is(err, ErrAuthFailed) {
					t.Errorf("%s, %s: password %q: %v, want ErrAuthFailed", c.name, m, pw, err)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestParseSecretsSharedSalt: plain passwords get one salt, the first
// verifier's when there is one; a second verifier keeps its own.
func TestParseSecretsSharedSalt(t *testing.T) {
	s := mustSecrets(t, "alice", "a", "b")
	if s[0].scram.KeyFactors != s[1].scram.KeyFactors {
		t.Fatalf("plain passwords have different key factors: %v, %v", s[0].scram.KeyFactors, s[1].scram.KeyFactors)
	}
	s = mustSecrets(t, "alice", "a", verifierAliceReal, verifierBobReal)
	if s[0].scram.KeyFactors != s[1].scram.KeyFactors {
		t.Fatalf("plain password does not share the verifier's salt")
	}
	if g := s.scramGroup(); len(g) != 2 {
		t.Fatalf("SCRAM group has %d secrets, want the plain one and the first verifier", len(g))
	}
}

// TestParseSecretsErrors: an empty or malformed password in the list refuses the whole list.
func TestParseSecretsErrors(t *testing.T) {
	for _, list := range [][]string{{"a", ""}, {"SCRAM-SHA-256$4096:bad", "a"}} {
		if _, err := ParseSecrets("alice", list); err == nil {
			t.Errorf("ParseSecrets(%q) succeeded, want an error", list)
		}
	}
}

// TestSecretsMatch: the cleartext check used for passthrough's cache.
func TestSecretsMatch(t *testing.T) {
	s := mustSecrets(t, "alice", "first", verifierAliceReal)
	for pw, want := range map[string]bool{"first": true, "correct horse": true, "First": false, "": false} {
		if got := s.Match("alice", []byte(pw)); got != want {
			t.Errorf("Match(%q) = %v, want %v", pw, got, want)
		}
	}
	if (Secrets{}).Match("alice", []byte("first")) {
		t.Error("no secrets matched a password")
	}
}

// TestPassthroughCapture: the passthrough exchange asks for a cleartext
// password and keeps it; an empty one is refused, a malformed one is a
// protocol error.
func TestPassthroughCapture(t *testing.T) {
	x := NewPassthrough("alice")
	out, done := x.Begin(nil)
	if code, _ := authMsg(t, out); done || code != authCleartext {
		t.Fatalf("Begin: code %d done %v, want a cleartext request", code, done)
	}
	body := []byte("s3cret\x00")
	_, done, err := x.Step(nil, body)
	if err != nil || !done || string(x.Password()) != "s3cret" {
		t.Fatalf("Step: done %v err %v password %q", done, err, x.Password())
	}
	body[0] = 'X'
	if string(x.Password()) != "s3cret" {
		t.Fatal("the captured password aliases the message")
	}
	x = NewPassthrough("alice")
	x.Begin(nil)
	if _, _, err := x.Step(nil, []byte{0}); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("empty password: %v, want ErrAuthFailed", err)
	}
	x = NewPassthrough("alice")
	x.Begin(nil)
	if _, _, err := x.Step(nil, []byte("no terminator")); !errors.Is(err, ErrProtocol) {
		t.Fatalf("malformed password: %v, want ErrProtocol", err)
	}
}
