// Tests of Exchange: every method against every secret kind, with right and wrong passwords and unknown users.

package auth

import (
	"errors"
	"testing"
)

// secretCase is one way a users.toml password for alice ("correct horse") is written.
type secretCase struct {
	name, value string
	kind        string
}

func aliceSecrets(t *testing.T) []secretCase {
	t.Helper()
	// A verifier computed as PostgreSQL does (random salt, 4096 iterations),
	// next to the one a real PostgreSQL 15 produced.
	computed := mustSecret(t, "alice", "correct horse").scram
	return []secretCase{
		{"plain", "correct horse", "plain"},
		{"md5", "md5" + md5Hex("correct horsealice"), "md5"},
		{"scram-postgres", verifierAliceReal, "scram"},
		{"scram-computed", formatVerifier(computed.Iters, []byte(computed.Salt), computed.StoredKey, computed.ServerKey), "scram"},
	}
}

// wantConv is the conversation each method runs for each secret kind.
var wantConv = map[Method]map[string]int32{
	MethodSCRAM: {"plain": authSASL, "md5": authSASL, "scram": authSASL},
	MethodMD5:   {"plain": authMD5, "md5": authMD5, "scram": authSASL},
	MethodPlain: {"plain": authCleartext, "md5": authCleartext, "scram": authCleartext},
}

func TestExchangeMatrix(t *testing.T) {
	for _, sc := range aliceSecrets(t) {
		secret := mustSecret(t, "alice", sc.value)
		if secret.Kind() != sc.kind {
			t.Fatalf("%s: kind %q", sc.name, secret.Kind())
		}
		for _, m := range []Method{MethodSCRAM, MethodMD5, MethodPlain} {
			t.Run(string(m)+"/"+sc.name, func(t *testing.T) {
				out, done := NewExchange(m, "alice", secret, true).Begin(nil)
				if code, _ := authMsg(t, out); done || code != wantConv[m][sc.kind] {
					t.Fatalf("Begin: code %d done %v, want code %d", code, done, wantConv[m][sc.kind])
				}
				// SCRAM cannot be served from an md5 hash: such a user always fails.
				wantOK := !(m == MethodSCRAM && sc.kind == "md5")
				err := login(t, NewExchange(m, "alice", secret, true), "alice", "alice", "correct horse")
				if wantOK && err != nil {
					t.Fatalf("right password: %v", err)
				}
				if !wantOK && !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("md5 secret under scram: %v, want ErrAuthFailed", err)
				}
				err = login(t, NewExchange(m, "alice", secret, true), "alice", "alice", "correct horse!")
				if !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("wrong password: %v, want ErrAuthFailed", err)
				}
			})
		}
	}
}

// TestExchangeSCRAMStartupUser checks that SCRAM authenticates the startup
// user whatever name the client-first message carries: libpq's empty one, or
// another user's.
func TestExchangeSCRAMStartupUser(t *testing.T) {
	secret := mustSecret(t, "alice", "correct horse")
	for _, name := range []string{"", "alice", "mallory"} {
		if err := login(t, NewExchange(MethodSCRAM, "alice", secret, true), name, "alice", "correct horse"); err != nil {
			t.Errorf("n=%q: %v", name, err)
		}
		if err := login(t, NewExchange(MethodSCRAM, "alice", secret, true), name, "alice", "wrong"); !errors.Is(err, ErrAuthFailed) {
			t.Errorf("n=%q, wrong password: %v", name, err)
		}
	}
}

// TestExchangeSASLprep logs in with a password PostgreSQL stored after
// SASLprep, through SCRAM (client-side prep) and cleartext (server-side prep).
func TestExchangeSASLprep(t *testing.T) {
	secret := mustSecret(t, "bob", verifierBobReal)
	for _, m := range []Method{MethodSCRAM, MethodPlain} {
		if err := login(t, NewExchange(m, "bob", secret, true), "", "bob", "pässwörd ①"); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	plain := mustSecret(t, "bob", "pässwörd ①")
	if err := login(t, NewExchange(MethodSCRAM, "bob", plain, true), "", "bob", "pässwörd ①"); err != nil {
		t.Errorf("scram with plain secret: %v", err)
	}
}

func TestExchangeTrust(t *testing.T) {
	x := NewExchange(MethodTrust, "alice", Secret{}, true)
	out, done := x.Begin([]byte("keep"))
	if !done || string(out) != "keep" {
		t.Fatalf("trust Begin: %q, %v", out, done)
	}
	if _, _, err := x.Step(nil, []byte("pw\x00")); !errors.Is(err, ErrProtocol) {
		t.Fatalf("password message under trust: %v", err)
	}
	// An unknown user is not let through by trust.
	err := login(t, NewExchange(MethodTrust, "nobody", Secret{}, false), "", "nobody", "anything")
	if !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("unknown user under trust: %v", err)
	}
}

// TestExchangeUnknownUser checks that an unknown user runs the same
// conversation as a known one and fails only at its end.
func TestExchangeUnknownUser(t *testing.T) {
	for _, m := range []Method{MethodSCRAM, MethodMD5, MethodPlain} {
		for _, known := range []bool{false, true} {
			// A known user with the zero Secret (no password) is treated as unknown.
			x := NewExchange(m, "ghost", Secret{}, known)
			out, _ := x.Begin(nil)
			code, payload := authMsg(t, out)
			if want := wantConv[m]["plain"]; code != want {
				t.Fatalf("%s: unknown user gets conversation %d, a plain-secret user %d", m, code, want)
			}
			if code == authSASL {
				assertFullSCRAMThenFail(t, x)
				continue
			}
			body := append([]byte("whatever"), 0)
			if code == authMD5 {
				body = md5ClientResponse("ghost", "whatever", payload)
			}
			if _, _, err := x.Step(nil, body); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("%s: unknown user: %v", m, err)
			}
		}
	}
}

// assertFullSCRAMThenFail plays SCRAM for an unknown user: the server-first
// message must look like a real one (stable salt per name, 4096
// iterations), and only the proof check fails.
func assertFullSCRAMThenFail(t *testing.T, x *Exchange) {
	t.Helper()
	if err := loginSCRAM(t, x, "", "guess", false); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("unknown user SCRAM: %v, want ErrAuthFailed after the proof", err)
	}
	a, b := mockSecret("ghost"), mockSecret("ghost")
	if a.scram.Salt != b.scram.Salt || a.scram.Iters != scramIterations || len(a.scram.Salt) != scramSaltLen {
		t.Fatal("mock salt is not stable per user or not shaped like a real one")
	}
	if mockSecret("ghost2").scram.Salt == a.scram.Salt {
		t.Fatal("mock salts of two names are equal")
	}
}

func TestExchangeSCRAMWithoutInitialResponse(t *testing.T) {
	secret := mustSecret(t, "alice", "correct horse")
	x := NewExchange(MethodSCRAM, "alice", secret, true)
	x.Begin(nil)
	if err := loginSCRAM(t, x, "", "correct horse", true); err != nil {
		t.Fatal(err)
	}
	x = NewExchange(MethodSCRAM, "alice", secret, true)
	x.Begin(nil)
	if err := loginSCRAM(t, x, "", "wrong", true); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("wrong password: %v", err)
	}
}
