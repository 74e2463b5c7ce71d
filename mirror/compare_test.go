// compare_test.go checks the pairing of statements by place: texts from the captured requests, outcomes of each side.

package mirror

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/fingerprint"
	"github.com/pgdogd/pgdogd/mirror/insight"
)

// frames encodes frontend messages back to back.
func frames(t *testing.T, msgs ...pgproto3.FrontendMessage) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// reply encodes one backend message.
func reply(t *testing.T, m pgproto3.BackendMessage) []byte {
	t.Helper()
	b, err := m.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// side builds outcome records: "C:tag", "E:sqlstate", "I", "Z", each with latency ms.
func side(t *testing.T, ms time.Duration, events ...string) []byte {
	t.Helper()
	var out []byte
	for _, ev := range events {
		switch {
		case ev == "Z":
			out = append(out, SyncPoint)
		case ev == "I":
			out = AppendOutcome(out, reply(t, &pgproto3.EmptyQueryResponse{}), ms*time.Millisecond)
		case ev[0] == 'C':
			out = AppendOutcome(out, reply(t, &pgproto3.CommandComplete{CommandTag: []byte(ev[2:])}), ms*time.Millisecond)
		case ev[0] == 'E':
			out = AppendOutcome(out, reply(t, &pgproto3.ErrorResponse{Severity: "ERROR", Code: ev[2:], Message: "m " + ev[2:]}), ms*time.Millisecond)
		}
	}
	return out
}

type want struct {
	text     string
	src, mir insight.Kind
	srcTag   string
	mirTag   string
}

func check(t *testing.T, got []insight.Statement, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%d statements, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := got[i]
		if string(g.Text) != w.text || g.Source.Kind != w.src || g.Mirror.Kind != w.mir ||
			string(g.Source.Tag) != w.srcTag || string(g.Mirror.Tag) != w.mirTag {
			t.Errorf("statement %d = %q %v %q / %v %q, want %+v", i, g.Text, g.Source.Kind, g.Source.Tag,
				g.Mirror.Kind, g.Mirror.Tag, w)
		}
		if g.Fingerprint != fingerprint.Of(g.Text) {
			t.Errorf("statement %d: fingerprint %x, want that of its text", i, g.Fingerprint)
		}
	}
}

func TestCompareSimpleQueries(t *testing.T) {
	var reqs []byte
	reqs = AppendRecord(reqs, 0, frames(t, &pgproto3.Query{String: "BEGIN"}))
	reqs = AppendRecord(reqs, time.Millisecond, frames(t, &pgproto3.Query{String: "update t set a = 1 where id = 2; select 1"}))
	reqs = AppendRecord(reqs, 2*time.Millisecond, frames(t, &pgproto3.Query{String: " ; "}))
	reqs = AppendRecord(reqs, 3*time.Millisecond, frames(t, &pgproto3.Query{String: "COMMIT"}))
	src := side(t, 1, "C:BEGIN", "Z", "C:UPDATE 1", "C:SELECT 1", "Z", "I", "Z", "C:COMMIT", "Z")
	// The mirror fails the UPDATE: it skips the SELECT of the same query string.
	mir := side(t, 5, "C:BEGIN", "Z", "E:42703", "Z", "I", "Z", "C:ROLLBACK", "Z")
	var c Comparer
	check(t, c.Compare(reqs, src, mir, true), []want{
		{"BEGIN", insight.Complete, insight.Complete, "BEGIN", "BEGIN"},
		{"update t set a = 1 where id = 2", insight.Complete, insight.Failed, "UPDATE 1", "42703"},
		{"select 1", insight.Complete, insight.Missing, "SELECT 1", ""},
		{"", insight.Empty, insight.Empty, "", ""},
		{"COMMIT", insight.Complete, insight.Complete, "COMMIT", "ROLLBACK"},
	})
	got := c.Compare(reqs, src, mir, true)
	if got[1].Source.Latency != time.Millisecond || got[1].Mirror.Latency != 5*time.Millisecond ||
		string(got[1].Mirror.Message) != "m 42703" {
		t.Errorf("update: source %v, mirror %v %q", got[1].Source.Latency, got[1].Mirror.Latency, got[1].Mirror.Message)
	}
}

func TestCompareExtendedProtocol(t *testing.T) {
	// Two statements prepared by name in one transaction, one executed in the
	// next without its Parse, one unnamed statement, and a frame the capture
	// split across two records.
	var c Comparer
	c.Lookup = func(name []byte) []byte {
		if string(name) == "shared_7" {
			return []byte("select abalance from accounts where aid = $1")
		}
		return nil
	}
	first := frames(t,
		&pgproto3.Parse{Name: "s1", Query: "update accounts set abalance = abalance + $1 where aid = $2"},
		&pgproto3.Bind{PreparedStatement: "s1", DestinationPortal: ""},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "insert into history values ($1)"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	cut := 9 // inside the first Parse
	var reqs []byte
	reqs = AppendRecord(reqs, 0, first[:cut])
	reqs = AppendRecord(reqs, 0, first[cut:])
	reqs = AppendRecord(reqs, time.Millisecond, frames(t,
		&pgproto3.Bind{PreparedStatement: "shared_7"}, &pgproto3.Execute{},
		&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	src := side(t, 1, "C:UPDATE 1", "C:INSERT 0 1", "Z", "C:SELECT 1", "C:UPDATE 1", "Z")
	mir := side(t, 2, "C:UPDATE 0", "C:INSERT 0 1", "Z", "E:57014", "Z")
	check(t, c.Compare(reqs, src, mir, true), []want{
		{"update accounts set abalance = abalance + $1 where aid = $2", insight.Complete, insight.Complete, "UPDATE 1", "UPDATE 0"},
		{"insert into history values ($1)", insight.Complete, insight.Complete, "INSERT 0 1", "INSERT 0 1"},
		{"select abalance from accounts where aid = $1", insight.Complete, insight.Failed, "SELECT 1", "57014"},
		{"update accounts set abalance = abalance + $1 where aid = $2", insight.Complete, insight.Missing, "UPDATE 1", ""},
	})
	// The next transaction binds s1 without parsing it: its text was kept.
	reqs = AppendRecord(nil, 0, frames(t, &pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	check(t, c.Compare(reqs, side(t, 1, "C:UPDATE 1", "Z"), side(t, 1, "C:UPDATE 1", "Z"), true), []want{
		{"update accounts set abalance = abalance + $1 where aid = $2", insight.Complete, insight.Complete, "UPDATE 1", "UPDATE 1"},
	})
}

func TestCompareUnknownStatement(t *testing.T) {
	var c Comparer
	reqs := AppendRecord(nil, 0, frames(t, &pgproto3.Bind{PreparedStatement: "gone"}, &pgproto3.Execute{}, &pgproto3.Sync{}))
	got := c.Compare(reqs, side(t, 1, "C:SELECT 1", "Z"), side(t, 1, "C:SELECT 1", "Z"), true)
	if len(got) != 1 || string(got[0].Text) != string(unknownText) {
		t.Fatalf("got %+v, want one statement with the unknown text", got)
	}
}

func TestOutcomeRecords(t *testing.T) {
	long := make([]byte, 600)
	for i := range long {
		long[i] = 'x'
	}
	buf := AppendOutcome(nil, reply(t, &pgproto3.ErrorResponse{Severity: "ERROR", Code: "42P01", Message: string(long)}), 3*time.Second)
	buf = append(buf, SyncPoint)
	buf = AppendOutcome(buf, reply(t, &pgproto3.PortalSuspended{}), 0)
	buf = AppendOutcome(buf, []byte{codec.MsgCommandComplete, 0, 0, 0, 4}, time.Microsecond) // streamed: no tag
	o, sync, n, ok := NextOutcome(buf)
	if !ok || sync || o.Kind != insight.Failed || string(o.Tag) != "42P01" || len(o.Message) != MaxOutcomeText || o.Latency != 3*time.Second {
		t.Fatalf("error record = %+v %v %v", o, sync, ok)
	}
	buf = buf[n:]
	if _, sync, n, ok = NextOutcome(buf); !ok || !sync || n != 1 {
		t.Fatal("sync point not read back")
	}
	buf = buf[n:]
	if o, _, n, ok = NextOutcome(buf); !ok || o.Kind != insight.Suspended {
		t.Fatalf("suspended record = %+v", o)
	}
	buf = buf[n:]
	if o, _, n, ok = NextOutcome(buf); !ok || o.Kind != insight.Complete || len(o.Tag) != 0 || n != len(buf) {
		t.Fatalf("tagless record = %+v", o)
	}
	if _, _, _, ok := NextOutcome(buf[:5]); ok {
		t.Fatal("a truncated record was accepted")
	}
}
