// Tests of malformed and out-of-order authentication messages: ErrProtocol, never a panic.

package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// scramAt returns a SCRAM exchange for alice waiting for the client-final
// message, and the client-first message that led there.
func scramAt(t *testing.T, final bool) (*Exchange, string) {
	t.Helper()
	x := NewExchange(MethodSCRAM, "alice", mustSecret(t, "alice", "correct horse"), true)
	x.Begin(nil)
	c1 := "n,,n=,r=clientnonce"
	if final {
		if _, _, err := x.Step(nil, saslInitial("SCRAM-SHA-256", []byte(c1), true)); err != nil {
			t.Fatal(err)
		}
	}
	return x, c1
}

func TestSCRAMMalformedInitial(t *testing.T) {
	c1 := []byte("n,,n=,r=abc")
	cases := map[string][]byte{
		"empty":            nil,
		"no NUL":           []byte("SCRAM-SHA-256"),
		"short length":     []byte("SCRAM-SHA-256\x00\x00\x00"),
		"plus mechanism":   saslInitial("SCRAM-SHA-256-PLUS", c1, true),
		"other mechanism":  saslInitial("PLAIN", c1, true),
		"length too long":  append(saslInitial("SCRAM-SHA-256", c1, true)[:14], 0, 0, 0, 99, 'n', ','),
		"length negative":  append(saslInitial("SCRAM-SHA-256", nil, false), c1...),
		"empty data":       saslInitial("SCRAM-SHA-256", nil, true),
		"NUL in data":      saslInitial("SCRAM-SHA-256", []byte("n,,n=\x00,r=abc"), true),
		"channel binding":  saslInitial("SCRAM-SHA-256", []byte("p=tls-server-end-point,,n=,r=abc"), true),
		"bad gs2 flag":     saslInitial("SCRAM-SHA-256", []byte("x,,n=,r=abc"), true),
		"too few fields":   saslInitial("SCRAM-SHA-256", []byte("n,,n="), true),
		"extension":        saslInitial("SCRAM-SHA-256", []byte("n,,m=ext,n=,r=abc"), true),
		"authzid":          saslInitial("SCRAM-SHA-256", []byte("n,a=bob,n=,r=abc"), true),
		"bad name escape":  saslInitial("SCRAM-SHA-256", []byte("n,,n=a=ZZ,r=abc"), true),
		"missing nonce":    saslInitial("SCRAM-SHA-256", []byte("n,,n=,x=abc"), true),
		"password message": []byte("correct horse\x00"),
	}
	for name, body := range cases {
		x, _ := scramAt(t, false)
		out, done, err := x.Step([]byte("dst"), body)
		if !errors.Is(err, ErrProtocol) || done || string(out) != "dst" {
			t.Errorf("%s: out %q done %v err %v, want ErrProtocol", name, out, done, err)
		}
		if _, _, err := x.Step(nil, body); !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: Step after failure: %v", name, err)
		}
	}
}

func TestSCRAMMalformedFinal(t *testing.T) {
	proof := "p=" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	cases := map[string]struct {
		body string
		want error
	}{
		"empty":            {"", ErrProtocol},
		"garbage":          {"hello", ErrProtocol},
		"bad cbind base64": {"c=!!,r=x," + proof, ErrProtocol},
		"cbind mismatch":   {"c=" + base64.StdEncoding.EncodeToString([]byte("y,,")) + ",r=x," + proof, ErrProtocol},
		"no proof":         {"c=biws,r=clientnonce,x=1", ErrProtocol},
		"NUL":              {"c=biws,r=clientnonce\x00," + proof, ErrProtocol},
		"wrong nonce":      {"c=biws,r=clientnonce," + proof, ErrAuthFailed},
		"short proof":      {"c=biws,r=clientnonce,p=AAAA", ErrAuthFailed},
	}
	for name, c := range cases {
		x, _ := scramAt(t, true)
		if _, done, err := x.Step(nil, []byte(c.body)); !errors.Is(err, c.want) || done {
			t.Errorf("%s: done %v err %v, want %v", name, done, err, c.want)
		}
	}
}

func TestPasswordMessageMalformed(t *testing.T) {
	secret := mustSecret(t, "alice", "correct horse")
	cases := map[string]struct {
		body string
		want error
	}{
		"empty":          {"", ErrProtocol},
		"no NUL":         {"correct horse", ErrProtocol},
		"inner NUL":      {"correct\x00horse\x00", ErrProtocol},
		"empty password": {"\x00", ErrAuthFailed},
		"short md5":      {"md5abc\x00", ErrAuthFailed},
		"long":           {strings.Repeat("x", 1<<16) + "\x00", ErrAuthFailed},
	}
	for _, m := range []Method{MethodMD5, MethodPlain} {
		for name, c := range cases {
			x := NewExchange(m, "alice", secret, true)
			x.Begin(nil)
			if _, done, err := x.Step(nil, []byte(c.body)); !errors.Is(err, c.want) || done {
				t.Errorf("%s/%s: done %v err %v, want %v", m, name, done, err, c.want)
			}
		}
	}
}

func TestStepOutOfOrder(t *testing.T) {
	secret := mustSecret(t, "alice", "correct horse")
	x := NewExchange(MethodPlain, "alice", secret, true)
	if _, _, err := x.Step(nil, []byte("correct horse\x00")); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Step before Begin: %v", err)
	}
	x = NewExchange(MethodPlain, "alice", secret, true)
	x.Begin(nil)
	if _, done, err := x.Step(nil, []byte("correct horse\x00")); err != nil || !done {
		t.Fatalf("login: %v %v", done, err)
	}
	if _, _, err := x.Step(nil, []byte("correct horse\x00")); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Step after success: %v", err)
	}
	if out, done := x.Begin([]byte("x")); done || string(out) != "x" {
		t.Fatalf("second Begin wrote %q", out)
	}
}

// TestBeginMessages checks the requests' exact bytes and the MD5 salt's randomness.
func TestBeginMessages(t *testing.T) {
	out, _ := NewExchange(MethodSCRAM, "a", Secret{}, false).Begin([]byte("pre"))
	if string(out) != "preR\x00\x00\x00\x17\x00\x00\x00\x0aSCRAM-SHA-256\x00\x00" {
		t.Fatalf("AuthenticationSASL: %q", out)
	}
	out, _ = NewExchange(MethodPlain, "a", Secret{}, false).Begin(nil)
	if string(out) != "R\x00\x00\x00\x08\x00\x00\x00\x03" {
		t.Fatalf("AuthenticationCleartextPassword: %q", out)
	}
	seen := map[string]bool{}
	for range 8 {
		out, _ = NewExchange(MethodMD5, "a", Secret{}, false).Begin(nil)
		code, salt := authMsg(t, out)
		if code != authMD5 || len(salt) != 4 {
			t.Fatalf("AuthenticationMD5Password: %q", out)
		}
		seen[string(salt)] = true
	}
	if len(seen) < 7 {
		t.Fatalf("MD5 salts repeat: %d distinct of 8", len(seen))
	}
}
