// admin_injection_test.go holds the admin console's injection tests: quoted text that must stay one command.

package testsuite

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawAnswer sends sql as a simple Query and describes every message of the
// answer up to ReadyForQuery: a CommandComplete's tag, "rows" for a
// RowDescription, "E" and the SQLSTATE for an ErrorResponse.
func rawAnswer(t *testing.T, r *RawConn, sql string) []string {
	t.Helper()
	r.FE.Send(&pgproto3.Query{String: sql})
	if err := r.FE.Flush(); err != nil {
		t.Fatalf("%s: cannot send: %v", sql, err)
	}
	var got []string
	for {
		msg, err := r.Receive(15 * time.Second)
		if err != nil {
			t.Fatalf("%s: answer so far %v, then %v", sql, got, err)
		}
		switch m := msg.(type) {
		case *pgproto3.CommandComplete:
			got = append(got, string(m.CommandTag))
		case *pgproto3.RowDescription:
			got = append(got, "rows")
		case *pgproto3.ErrorResponse:
			got = append(got, "E "+m.Code)
		case *pgproto3.ReadyForQuery:
			return got
		}
	}
}

// TestAdminInjection: a ';' or '--' inside a console string is part of the
// string. The two injections are one SET each, of a value that is no
// number: one error, no SHUTDOWN, no SHOW VERSION, mirror_exposure kept. A
// malformed query is one syntax error and none of it runs, not even the
// commands before the error.
func TestAdminInjection(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	admin := p.MustConnect(t, consoleLogin)
	mustConsole(t, admin, "SET mirror_exposure TO 0.25")
	raw, err := rawStartup(t, p.Addr(), consoleLogin)
	if err != nil {
		t.Fatalf("console login: %v", err)
	}
	for _, tc := range []struct{ sql, code string }{
		{`SET mirror_exposure TO '0.5''; SHUTDOWN; --'`, "22023"},
		{`SET mirror_exposure TO '0.1; SHOW VERSION'`, "22023"},
		{`SET mirror_exposure TO '0.5; SHUTDOWN; --`, "42601"},
		{`SET mirror_exposure TO 0.5; SHOW VERSION; SHUTDOWN; SET k TO 'x`, "42601"},
		{"SET mirror_exposure TO 0.5; SHUTDOWN /* ;", "42601"},
		{"SET mirror_exposure TO 0.5; SHUTDOWN now", "42601"},
	} {
		if got, want := rawAnswer(t, raw, tc.sql), []string{"E " + tc.code}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: answer %v, want %v", tc.sql, got, want)
		}
		if r, _ := mustConsole(t, admin, "SHOW CONFIG").find("name", "mirror_exposure"); r["value"] != "0.25" {
			t.Errorf("%s: mirror_exposure after = %v, want 0.25 kept", tc.sql, r)
		}
	}
	// pgdogd still runs and serves, and both console sessions still answer.
	if !p.Alive() {
		t.Fatal("pgdogd exited")
	}
	alice := p.MustConnect(t, Alice)
	if n, err := queryInt(testCtx(t, 10*time.Second), alice, "select 41 + 1"); err != nil || n != 42 {
		t.Errorf("client query after the injections: %d, %v", n, err)
	}
	if got, want := rawAnswer(t, raw, "SHOW VERSION"), []string{"rows", "SHOW"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SHOW VERSION after the injections: %v, want %v", got, want)
	}
	if !p.Alive() {
		t.Fatal("pgdogd exited")
	}
}
