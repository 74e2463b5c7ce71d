// settings_test.go checks the reading of the answers to the settings and pins queries pgdogd asks.

package engine

import (
	"encoding/binary"
	"testing"

	"github.com/pgdogd/pgdogd/engine/session"
)

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
	if len(s.session) != 2 || s.session.Has("statement_timeout") {
		t.Fatalf("session %+v: a statement_timeout of 0 is the default, not a setting", s.session)
	}
	if v, _ := s.session.Get("datestyle"); v != "ISO, DMY" || !s.session[1].Reported {
		t.Fatalf("session %+v", s.session)
	}
	s.settingRow(dataRow("1ms"))
	if v, _ := s.session.Get("statement_timeout"); v != "1ms" {
		t.Fatalf("statement_timeout = %q", v)
	}
	s.pinRow(nil, dataRow("33"))
	if s.pins != 1<<session.PinListen|1<<session.PinRole || session.PinReasons(s.pins) != "listen,role" {
		t.Fatalf("pins %b (%s)", s.pins, session.PinReasons(s.pins))
	}
}
