// Test helpers: decoding the proxy's authentication messages and playing real clients against an Exchange.

package auth

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/xdg-go/scram"
)

// Authentication request codes (the int32 after an 'R' header).
const (
	authOK            = 0
	authCleartext     = 3
	authMD5           = 5
	authSASL          = 10
	authSASLContinue  = 11
	authSASLFinal     = 12
	verifierAliceReal = "SCRAM-SHA-256$4096:6h5SbuI8gRaxrQHEX6hUZQ==$5bKs34wcvmEi6qhRsBNRGCqGV+koa0VdW3iA6wME8Kk=:xO/Hw0l1PpBx4ZRYGS0YQ+VGzhPRb2PX/gxX764C9L8="
	// bob's password was "pässwörd ①": PostgreSQL SASLprep'd it into "pässwörd 1".
	verifierBobReal = "SCRAM-SHA-256$4096:dQBdEjm/mCM6xUOdhKgATw==$JYPQuhgZsx0Js6xCHe1W9SlaEflYJCprAffhb3zqOqU=:irjxtZsWdTfQSuQ3CdryHY9CUAYKnSjhP/a5cpSSHqM="
	md5CarolReal    = "md57c53eaf86052083b816bfc7c7a6edf5d" // PostgreSQL's hash of "secret" for carol
)

// authMsg decodes exactly one 'R' message from out and returns its code and payload.
func authMsg(t testing.TB, out []byte) (int32, []byte) {
	t.Helper()
	if len(out) < 9 || out[0] != 'R' {
		t.Fatalf("want one Authentication message, got %q", out)
	}
	n := int(binary.BigEndian.Uint32(out[1:5]))
	if n+1 != len(out) {
		t.Fatalf("message length %d does not match %d bytes", n, len(out)-1)
	}
	return int32(binary.BigEndian.Uint32(out[5:9])), out[9:]
}

// saslInitial builds a SASLInitialResponse body.
func saslInitial(mech string, data []byte, withData bool) []byte {
	b := append([]byte(mech), 0)
	if !withData {
		return binary.BigEndian.AppendUint32(b, 0xFFFFFFFF)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// md5ClientResponse is what libpq sends for an AuthenticationMD5Password.
func md5ClientResponse(user, password string, salt []byte) []byte {
	inner := md5.Sum([]byte(password + user))
	h := hex.EncodeToString(inner[:])
	outer := md5.Sum(append([]byte(h), salt...))
	return append([]byte("md5"+hex.EncodeToString(outer[:])), 0)
}

// errServerSignature marks a SASLFinal whose signature the client rejected.
var errServerSignature = errors.New("server signature rejected by client")

// login plays a client (user name scramUser in SCRAM's n=) that knows
// password against x, whatever conversation x starts, and returns Step's
// final error. A success also requires the client to accept the server's
// SCRAM signature.
func login(t testing.TB, x *Exchange, scramUser, user, password string) error {
	t.Helper()
	out, done := x.Begin(nil)
	if done {
		return nil
	}
	code, payload := authMsg(t, out)
	switch code {
	case authCleartext:
		_, done, err := x.Step(nil, append([]byte(password), 0))
		if err == nil && !done {
			t.Fatal("cleartext: no error and not done")
		}
		return err
	case authMD5:
		_, done, err := x.Step(nil, md5ClientResponse(user, password, payload))
		if err == nil && !done {
			t.Fatal("md5: no error and not done")
		}
		return err
	case authSASL:
		if string(payload) != "SCRAM-SHA-256\x00\x00" {
			t.Fatalf("SASL mechanisms: %q", payload)
		}
		return loginSCRAM(t, x, scramUser, password, false)
	}
	t.Fatalf("unexpected authentication code %d", code)
	return nil
}

// loginSCRAM runs xdg-go/scram's client through the SASL exchange. With
// deferFirst the SASLInitialResponse carries no data (length -1) and the
// client-first message follows in a SASLResponse.
func loginSCRAM(t testing.TB, x *Exchange, scramUser, password string, deferFirst bool) error {
	t.Helper()
	client, err := scram.SHA256.NewClient(scramUser, password, "")
	if err != nil {
		t.Fatal(err)
	}
	conv := client.NewConversation()
	c1, err := conv.Step("")
	if err != nil {
		t.Fatal(err)
	}
	first := saslInitial("SCRAM-SHA-256", []byte(c1), true)
	if deferFirst {
		out, done, err := x.Step(nil, saslInitial("SCRAM-SHA-256", nil, false))
		if err != nil || done {
			return errOr(err, "done after an empty SASLInitialResponse")
		}
		if code, data := authMsg(t, out); code != authSASLContinue || len(data) != 0 {
			t.Fatalf("want an empty SASLContinue, got %d %q", code, data)
		}
		first = []byte(c1)
	}
	out, done, err := x.Step(nil, first)
	if err != nil || done {
		return errOr(err, "done after client-first")
	}
	code, s1 := authMsg(t, out)
	if code != authSASLContinue {
		t.Fatalf("want SASLContinue, got %d", code)
	}
	c2, err := conv.Step(string(s1))
	if err != nil {
		t.Fatalf("client rejected server-first %q: %v", s1, err)
	}
	out, done, err = x.Step(nil, []byte(c2))
	if err != nil {
		return err
	}
	if !done {
		t.Fatal("SCRAM: no error and not done")
	}
	code, s2 := authMsg(t, out)
	if code != authSASLFinal {
		t.Fatalf("want SASLFinal, got %d", code)
	}
	if _, err := conv.Step(string(s2)); err != nil || !conv.Valid() {
		return errServerSignature
	}
	return nil
}

// formatVerifier writes stored credentials as PostgreSQL does.
func formatVerifier(iters int, salt, stored, server []byte) string {
	enc := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", iters, enc(salt), enc(stored), enc(server))
}

func errOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return errors.New(msg)
}

// mustSecret parses a secret or fails the test.
func mustSecret(t testing.TB, user, password string) Secret {
	t.Helper()
	s, err := ParseSecret(user, password)
	if err != nil {
		t.Fatalf("ParseSecret(%q): %v", password, err)
	}
	return s
}
