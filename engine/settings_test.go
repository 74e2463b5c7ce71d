// settings_test.go checks what marks a statement as changing settings or pinned state, and the reading of the answers pgdogd asks for.

package engine

import (
	"encoding/binary"
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
		m := markOf([]byte(c.sql))
		if m != (mark{c.settings, c.mayPin, c.mayUnpin}) {
			t.Errorf("markOf(%q) = %+v, want settings %v, mayPin %v, mayUnpin %v", c.sql, m, c.settings, c.mayPin, c.mayUnpin)
		}
	}
}

// dataRow builds a DataRow body of text columns.
func dataRow(cols ...string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(cols)))
	for _, c := range cols {
		b = binary.BigEndian.AppendUint32(b, uint32(len(c)))
		b = append(b, c...)
	}
	return b
}

func TestSettingAndPinRows(t *testing.T) {
	s := &server{}
	s.settingRow(dataRow("0"))
	s.settingRow(dataRow("search_path", "a, b"))
	s.settingRow(dataRow("DateStyle", "ISO, DMY"))
	s.settingRow([]byte{0, 2, 0xff}) // malformed: ignored
	if len(s.session) != 2 || s.session.index("statement_timeout") >= 0 {
		t.Fatalf("session %+v: a statement_timeout of 0 is the default, not a setting", s.session)
	}
	if v, _ := s.session.get("datestyle"); v != "ISO, DMY" || !s.session[1].reported {
		t.Fatalf("session %+v", s.session)
	}
	s.settingRow(dataRow("1ms"))
	if v, _ := s.session.get("statement_timeout"); v != "1ms" {
		t.Fatalf("statement_timeout = %q", v)
	}
	s.pinRow(nil, dataRow("33"))
	if s.pins != 1<<pinListen|1<<pinRole || pinReasons(s.pins) != "listen,role" {
		t.Fatalf("pins %b (%s)", s.pins, pinReasons(s.pins))
	}
	if q := pinQuery("o'neil"); !strings.Contains(q, "E'o''neil'") || !strings.HasPrefix(q, noTimeout) {
		t.Fatalf("pin query %q", q)
	}
}

func TestAppendRestore(t *testing.T) {
	chosen := params{}.set("statement_timeout", "31s").set("DateStyle", "Postgres, MDY")
	q := string(appendRestore(nil, chosen))
	st := strings.Index(q, "set_config('statement_timeout'")
	lift := strings.Index(q, noTimeout)
	if st < 0 || lift < 0 || st > lift {
		t.Fatalf("statement_timeout must be given back before the timeout is lifted: %q", q)
	}
	if !strings.Contains(q, "(E'datestyle', E'Postgres, MDY')") || strings.Count(q, "statement_timeout', E'31s'") != 1 {
		t.Fatalf("restore query %q", q)
	}
	if q := string(appendRestore(nil, params{}.set("statement_timeout", "1s"))); !strings.Contains(q, "(NULL, NULL)") {
		t.Fatalf("restore of statement_timeout alone %q", q)
	}
}
