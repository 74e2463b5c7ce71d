// mirrorstats_test.go holds the tests of SHOW MIRROR QUERIES, SHOW MIRROR ERRORS and RESET MIRROR STATS on a fake engine, as a client reads them off the wire.

package admin

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// wireAnswer is one command's answer as sent: its columns, its rows (NULL
// as "NULL") and its tag.
type wireAnswer struct {
	cols []pgdogColumn
	rows [][]string
	tag  string
}

// wire decodes the answer to query, failing on an ErrorResponse.
func wire(t *testing.T, c *Console, query string) wireAnswer {
	t.Helper()
	fe := pgproto3.NewFrontend(bytes.NewReader(c.Answer(nil, query)), io.Discard)
	var a wireAnswer
	for {
		msg, err := fe.Receive()
		if err != nil {
			return a
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			for _, f := range m.Fields {
				a.cols = append(a.cols, pgdogColumn{Name: string(f.Name), OID: f.DataTypeOID, Size: f.DataTypeSize})
			}
		case *pgproto3.DataRow:
			var r []string
			for _, v := range m.Values {
				if v == nil {
					r = append(r, "NULL")
					continue
				}
				r = append(r, string(v))
			}
			a.rows = append(a.rows, r)
		case *pgproto3.CommandComplete:
			a.tag = string(m.CommandTag)
		case *pgproto3.ErrorResponse:
			t.Fatalf("%s: %s %s", query, m.Code, m.Message)
		}
	}
}

// columns are the wire columns of names with types: t text, n numeric, b bigint.
func columns(spec ...string) []pgdogColumn {
	types := map[byte]pgdogColumn{'t': {OID: 25, Size: -1}, 'n': {OID: 1700, Size: -1}, 'b': {OID: 20, Size: 8}}
	out := make([]pgdogColumn, len(spec))
	for i, s := range spec {
		c := types[s[0]]
		c.Name = s[2:]
		out[i] = c
	}
	return out
}

// TestShowMirrorQueries: one row per query and mirror, in the engine's
// order, fingerprints in 16 hex digits, milliseconds with 3 decimals, the
// ratio with 2, divergences by kind.
func TestShowMirrorQueries(t *testing.T) {
	c := New(enginetest.WithInsight(enginetest.Fixture()), &fakeControl{})
	for _, q := range []string{"SHOW MIRROR QUERIES", "show mirror queries;", "Show Mirror Queries ; "} {
		a := wire(t, c, q)
		want := columns("t mirror", "t fingerprint", "b calls", "n source_p50_ms", "n source_p95_ms", "n source_p99_ms",
			"n mirror_p50_ms", "n mirror_p95_ms", "n mirror_p99_ms", "n ratio", "b mirror_errors", "b source_errors",
			"b error_mismatches", "b tag_mismatches", "t query")
		if !reflect.DeepEqual(a.cols, want) {
			t.Fatalf("%s: columns\n%v\nwant\n%v", q, a.cols, want)
		}
		if a.tag != "SHOW" || len(a.rows) != 4 {
			t.Fatalf("%s: tag %q, %d rows; want SHOW and 4", q, a.tag, len(a.rows))
		}
		first := []string{"app_mirror", "1a2b3c4d5e6f7081", "120", "2.000", "4.000", "6.000", "30.000", "55.000", "80.000", "15.00",
			"0", "0", "0", "3", "UPDATE accounts SET balance = balance - $1 WHERE id = $2"}
		if !reflect.DeepEqual(a.rows[0], first) {
			t.Errorf("%s: row 0\n%q\nwant\n%q", q, a.rows[0], first)
		}
		var order []string
		for _, r := range a.rows {
			order = append(order, r[1]+" "+r[9]+" "+r[10])
		}
		if want := []string{"1a2b3c4d5e6f7081 15.00 0", "00ff00ff00ff00ff 2.40 2", "0000000000000042 1.10 0", "fedcba9876543210 0.90 0"}; !reflect.DeepEqual(order, want) {
			t.Errorf("%s: fingerprints, ratios and mirror errors %q, want %q", q, order, want)
		}
	}
	if a := wire(t, New(enginetest.Fixture(), &fakeControl{}), "SHOW MIRROR QUERIES"); len(a.cols) != 15 || len(a.rows) != 0 || a.tag != "SHOW" {
		t.Errorf("with no comparison: %d columns, %d rows, tag %q; want 15, 0, SHOW", len(a.cols), len(a.rows), a.tag)
	}
}

// TestShowMirrorErrors: one row per divergence, newest first, with the
// console's timestamps.
func TestShowMirrorErrors(t *testing.T) {
	c := New(enginetest.WithInsight(enginetest.Fixture()), &fakeControl{})
	a := wire(t, c, "show MIRROR errors;")
	want := columns("t mirror", "t fingerprint", "t kind", "t sqlstate", "t message", "t source_tag", "t mirror_tag", "b count",
		"t first_seen", "t last_seen", "t query")
	if !reflect.DeepEqual(a.cols, want) {
		t.Fatalf("columns\n%v\nwant\n%v", a.cols, want)
	}
	rows := [][]string{
		{"app_mirror", "00ff00ff00ff00ff", "mirror_error", "42P01", `relation "orders_archive" does not exist`, "SELECT 50", "42P01", "2",
			"2026-11-29 11:00:00.000 UTC", "2026-11-29 12:00:00.000 UTC",
			"SELECT * FROM orders WHERE customer_id = $1 AND status = $2 ORDER BY created_at DESC LIMIT 50"},
		{"app_mirror", "1a2b3c4d5e6f7081", "tag_mismatch", "", "", "UPDATE 1", "UPDATE 0", "3",
			"2026-11-29 10:00:00.000 UTC", "2026-11-29 11:59:00.000 UTC", "UPDATE accounts SET balance = balance - $1 WHERE id = $2"},
	}
	if !reflect.DeepEqual(a.rows, rows) || a.tag != "SHOW" {
		t.Errorf("rows\n%q\nwant\n%q; tag %q", a.rows, rows, a.tag)
	}
}

// TestResetMirrorStats: RESET MIRROR STATS asks the engine to reset once
// per command and answers RESET; arguments are a syntax error, and so is a
// query with one anywhere, which then resets nothing.
func TestResetMirrorStats(t *testing.T) {
	ctl := &fakeControl{}
	c := New(enginetest.Fixture(), ctl)
	if got := answer(t, c, "RESET MIRROR STATS"); !reflect.DeepEqual(got, []string{"RESET"}) || ctl.resets != 1 {
		t.Errorf("RESET MIRROR STATS: %v, %d resets; want RESET and 1", got, ctl.resets)
	}
	if got := answer(t, c, "reset mirror stats; Reset Mirror Stats;"); !reflect.DeepEqual(got, []string{"RESET", "RESET"}) || ctl.resets != 3 {
		t.Errorf("two resets: %v, %d resets in all; want two RESETs and 3", got, ctl.resets)
	}
	for _, q := range []string{"RESET MIRROR STATS now", "RESET MIRROR; RESET MIRROR STATS", "SHOW MIRROR QUERIES x; RESET MIRROR STATS", "SHOW MIRROR ERRORS 1"} {
		if got := answer(t, c, q); !reflect.DeepEqual(got, []string{"E 42601"}) {
			t.Errorf("%s: %v, want a syntax error", q, got)
		}
	}
	if ctl.resets != 3 {
		t.Errorf("%d resets after the refused queries, want 3", ctl.resets)
	}
}
