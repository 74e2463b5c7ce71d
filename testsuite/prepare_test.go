// Parse+Sync between transactions (libpq's PQprepare) answers as PostgreSQL does: errors at prepare time, 42P05 for a name in use.

package testsuite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// parseSyncBatches are sent one at a time, each a round trip from an idle client.
var parseSyncBatches = []struct {
	what string
	msgs []pgproto3.FrontendMessage
}{
	{"prepare s 'selec 1'", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s", Query: "selec 1"}, &pgproto3.Sync{}}},
	{"prepare s 'select 1'", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s", Query: "select 1"}, &pgproto3.Sync{}}},
	{"prepare s 'select 2'", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s", Query: "select 2"}, &pgproto3.Sync{}}},
	{"execute s", joinMsgs(pbe("s", ""))},
	{"prepare u1 'select 10', u2 'selec'", []pgproto3.FrontendMessage{
		&pgproto3.Parse{Name: "u1", Query: "select 10"}, &pgproto3.Parse{Name: "u2", Query: "selec"}, &pgproto3.Sync{}}},
	{"execute u1", joinMsgs(pbe("u1", ""))},
	{"execute u2", joinMsgs(pbe("u2", ""))},
	{"prepare v 'select * from no_such_table'", []pgproto3.FrontendMessage{
		&pgproto3.Parse{Name: "v", Query: "select * from no_such_table"}, &pgproto3.Sync{}}},
	{"prepare s 'select 3' again", []pgproto3.FrontendMessage{&pgproto3.Parse{Name: "s", Query: "select 3"}, &pgproto3.Sync{}}},
	{"execute s again", joinMsgs(pbe("s", ""))},
}

// TestPrepareParseSyncRaw sends Parse+Sync batches from an idle client, directly to
// PostgreSQL and through pgdogd: the answers (with error messages) must be the same, so a
// syntax error shows at prepare time (42601) and re-preparing a name in use is 42P05 while
// the original statement keeps its text.
func TestPrepareParseSyncRaw(t *testing.T) {
	want, err := parseSyncTranscript(shared.Addr())
	if err != nil {
		t.Fatalf("directly on PostgreSQL: %v\n%s", err, strings.Join(want, "\n"))
	}
	t.Logf("on PostgreSQL:\n%s", strings.Join(want, "\n"))
	p := StartProxy(t, prepConfig(shared, 1))
	got, err := parseSyncTranscript(p.Addr())
	if err != nil {
		t.Fatalf("through pgdogd: %v\n%s", err, strings.Join(got, "\n"))
	}
	if diff := transcriptDiff(want, got); diff != "" {
		t.Errorf("Parse+Sync through pgdogd differs from PostgreSQL (-postgres +pgdogd):\n%s", diff)
	}
	for _, line := range got {
		if strings.Contains(line, stmtPrefixLeak) {
			t.Errorf("a message shows pgdogd's statement name: %s", line)
		}
	}
}

// parseSyncTranscript logs in to addr as alice and sends each of parseSyncBatches, one
// line per batch: its name and the answer's messages.
func parseSyncTranscript(addr string) ([]string, error) {
	r, err := RawDial(addr)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := r.Startup(Alice, nil); err != nil {
		return nil, fmt.Errorf("startup: %w", err)
	}
	var lines []string
	for _, b := range parseSyncBatches {
		ans, err := transcriptWithMessages(r, 10*time.Second, b.msgs...)
		lines = append(lines, b.what+": "+ans)
		if err != nil {
			return lines, fmt.Errorf("%s: %w", b.what, err)
		}
	}
	return lines, nil
}

// transcriptWithMessages is transcript with each ErrorResponse's message and
// CommandComplete's tag too: "1 E[42601 syntax error at or near "selec"] Z[I]".
func transcriptWithMessages(r *RawConn, limit time.Duration, msgs ...pgproto3.FrontendMessage) (string, error) {
	return readTranscript(r, limit, true, msgs...)
}

// TestPrepareParseSyncLibpq does the same with libpq's PQprepare and PQexecPrepared through
// psycopg 3's low-level wrapper: every result (status, SQLSTATE, message) as on PostgreSQL.
func TestPrepareParseSyncLibpq(t *testing.T) {
	want, err := runPython(t, 60*time.Second, map[string]string{"PGDOGD_DSN": shared.URL(Alice)}, "prepare_libpq.py")
	if err != nil {
		t.Fatalf("directly on PostgreSQL: %v\n%s", err, want)
	}
	t.Logf("on PostgreSQL:\n%s", want)
	p := StartProxy(t, prepConfig(shared, 1))
	got, err := runPython(t, 60*time.Second, map[string]string{"PGDOGD_DSN": p.URL(Alice)}, "prepare_libpq.py")
	if err != nil {
		t.Fatalf("through pgdogd: %v\n%s", err, got)
	}
	if diff := transcriptDiff(strings.Split(want, "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("PQprepare through pgdogd differs from PostgreSQL (-postgres +pgdogd):\n%s", diff)
	}
	if strings.Contains(got, stmtPrefixLeak) {
		t.Errorf("a message shows pgdogd's statement name:\n%s", got)
	}
}
