// sql_test.go checks what marks a statement as changing settings or pinned state, and the SQL pgdogd sends of its own.

package session

import (
	"strings"
	"testing"
)

func TestMarkOf(t *testing.T) {
	cases := []struct {
		sql                        string
		settings, mayPin, mayUnpin bool
	}{
		{"select 1", false, false, false},
		{"update t set x = 1", false, false, false},
		{"SET search_path = a", true, false, false},
		{"select 1; reset all", true, false, false},
		{"select pg_catalog.set_config('a.b', 'c', false)", true, false, false},
		{"DISCARD ALL", true, false, true},
		{"LISTEN ch", false, true, false},
		{"unlisten *", false, false, true},
		{"select pg_advisory_lock(1)", false, true, true},
		{"CREATE TEMP TABLE t (x int)", false, true, false},
		{"create table t (x int)", false, false, false},
		{"PREPARE p AS select 1", false, true, false},
		{"DECLARE c CURSOR WITH HOLD FOR select 1", false, true, false},
		{"close all", false, false, true},
		{"SET ROLE r", true, true, false},
		{"RESET ROLE", true, false, true},
		{"drop table t", false, false, true},
	}
	for _, c := range cases {
		m := MarkOf([]byte(c.sql))
		if m != (Mark{c.settings, c.mayPin, c.mayUnpin}) {
			t.Errorf("MarkOf(%q) = %+v, want settings %v, mayPin %v, mayUnpin %v", c.sql, m, c.settings, c.mayPin, c.mayUnpin)
		}
	}
}

func TestAppendRestore(t *testing.T) {
	chosen := Params{}.Set("statement_timeout", "31s").Set("DateStyle", "Postgres, MDY")
	q := string(AppendRestore(nil, chosen))
	st := strings.Index(q, "set_config('statement_timeout'")
	lift := strings.Index(q, NoTimeout)
	if st < 0 || lift < 0 || st > lift {
		t.Fatalf("statement_timeout must be given back before the timeout is lifted: %q", q)
	}
	if !strings.Contains(q, "(E'datestyle', E'Postgres, MDY')") || strings.Count(q, "statement_timeout', E'31s'") != 1 {
		t.Fatalf("restore query %q", q)
	}
	if q := string(AppendRestore(nil, Params{}.Set("statement_timeout", "1s"))); !strings.Contains(q, "(NULL, NULL)") {
		t.Fatalf("restore of statement_timeout alone %q", q)
	}
}

func TestPinQuery(t *testing.T) {
	if q := PinQuery("o'neil"); !strings.Contains(q, "E'o''neil'") || !strings.HasPrefix(q, NoTimeout) {
		t.Fatalf("pin query %q", q)
	}
	if got := PinReasons(1<<PinListen | 1<<PinRole); got != "listen,role" {
		t.Fatalf("PinReasons = %q", got)
	}
	if got := PinReasons(0); got != "" {
		t.Fatalf("PinReasons(0) = %q", got)
	}
}

func TestTouchesSettings(t *testing.T) {
	if !TouchesSettings([]byte("select set_config('search_path', 'x', false)")) || TouchesSettings([]byte("update t set x = 1")) {
		t.Fatal("TouchesSettings")
	}
}
