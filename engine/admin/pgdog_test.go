// pgdog_test.go holds the tests of what makes the console PgDog's: each SHOW's columns and types against the table transcribed from PgDog, and SET of a PgDog setting pgdogd does not change.

package admin

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// pgdogColumn is one column of PgDog's answer: its name and its type OID and size.
type pgdogColumn = enginetest.PgDogColumn

// pgdogColumns reads testdata/pgdog_columns.txt: each command's columns, in order.
func pgdogColumns(t *testing.T) map[string][]pgdogColumn {
	t.Helper()
	cols, err := enginetest.PgDogColumns("testdata/pgdog_columns.txt")
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// describe runs query and returns the columns of its RowDescription as
// sent, and its DataRows' widths.
func describe(t *testing.T, c *Console, query string) ([]pgdogColumn, []int) {
	t.Helper()
	fe := pgproto3.NewFrontend(bytes.NewReader(c.Answer(nil, query)), io.Discard)
	var cols []pgdogColumn
	var widths []int
	for {
		msg, err := fe.Receive()
		if err != nil {
			return cols, widths
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			for _, f := range m.Fields {
				cols = append(cols, pgdogColumn{Name: string(f.Name), OID: f.DataTypeOID, Size: f.DataTypeSize})
			}
		case *pgproto3.DataRow:
			widths = append(widths, len(m.Values))
		case *pgproto3.ErrorResponse:
			t.Fatalf("%s: %s %s", query, m.Code, m.Message)
		}
	}
}

// TestPgDogColumns: every SHOW PgDog has starts with PgDog's columns, in
// its order and with its types; pgdogd's own follow, none named twice, and
// every row is as wide as the columns.
func TestPgDogColumns(t *testing.T) {
	c := New(enginetest.Fixture(), &fakeControl{})
	table := pgdogColumns(t)
	if len(table) != 8 {
		t.Fatalf("pgdog_columns.txt has %d commands, want 8", len(table))
	}
	for cmd, want := range table {
		got, widths := describe(t, c, cmd)
		if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
			t.Errorf("%s: columns\n%v\nwant first\n%v", cmd, got, want)
		}
		seen := map[string]bool{}
		for _, col := range got {
			if seen[col.Name] {
				t.Errorf("%s: column %s twice", cmd, col.Name)
			}
			seen[col.Name] = true
		}
		if len(widths) == 0 {
			t.Errorf("%s: no rows on the fixture", cmd)
		}
		for _, w := range widths {
			if w != len(got) {
				t.Errorf("%s: a row of %d values for %d columns", cmd, w, len(got))
			}
		}
	}
}

// TestSetPgDogSettings: SET of a PgDog setting pgdogd does not change
// succeeds with a notice and never reaches the engine; SET of a runtime
// setting does; an unknown name is the engine's 42704.
func TestSetPgDogSettings(t *testing.T) {
	ctl := &fakeControl{}
	c := New(enginetest.Fixture(), ctl)
	for _, tc := range []struct {
		query, mention string
	}{
		{"SET query_parser TO 'on'", "does not implement the PgDog setting query_parser"},           // a PgDog-only [general] key
		{"SET passthrough_auth TO 'enabled_plain'", "does not change passthrough_auth at runtime"},  // implemented, settable in PgDog only
		{"SET rewrite_shard_key_updates TO 'rewrite'", "does not implement"},                        // settable in PgDog, not a registry key
		{"SET prepared_statements TO 'disabled'", "does not change prepared_statements at runtime"}, // implemented, not at runtime
		{"SET cross_shard_disabled = true", "does not implement the PgDog setting cross_shard_disabled"},
	} {
		if got := answer(t, c, tc.query); !reflect.DeepEqual(got, []string{"N " + codeWarning, "SET"}) {
			t.Errorf("%s: %v, want a notice and SET", tc.query, got)
		}
		if msg := string(c.Answer(nil, tc.query)); !strings.Contains(msg, tc.mention) || !strings.Contains(msg, "no effect") {
			t.Errorf("%s: notice %q, want it to say %q and that SET has no effect", tc.query, msg, tc.mention)
		}
	}
	if len(ctl.calls) != 0 || ctl.exposure != 0 {
		t.Errorf("the engine was asked %v", ctl.calls)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"SET mirror_exposure TO 0.5", []string{"SET"}},
		{"SET no_such_setting TO 1", []string{"E 42704"}},
		{"SET rewrite_enabled TO 'on'", []string{"E 42704"}}, // no PgDog setting of that name
	} {
		if got := answer(t, c, tc.query); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	if ctl.exposure != 0.5 {
		t.Errorf("mirror_exposure %v after SET, want 0.5", ctl.exposure)
	}
}
