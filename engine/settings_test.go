// settings_test.go checks the reading of the answers to the settings and pins queries pgdogd asks.

package engine

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/pgdogd/pgdogd/codec"
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

// TestFailedSettingsReadClosesServer: when the query reading a client's
// session settings back fails (a statement_timeout of 1 ms the client set
// cuts it), the server, which still holds that timeout, is closed rather
// than pooled, and the client keeps the settings it had: no other client
// may get a server whose settings pgdogd does not know.
func TestFailedSettingsReadClosesServer(t *testing.T) {
	h := newHarness(t, opts{})
	s, sc := h.addServer()
	cl, cc := h.connect()
	before := cl.params.Clone()
	h.send(cc, queryMsg("SET statement_timeout = '1ms'"))
	want(t, "server received", sc.take(), queryMsg("SET statement_timeout = '1ms'"))
	h.send(sc, cat(complete("SET"), rfq('I')))
	cc.take()
	if got := sc.take(); !bytes.Equal(got, queryMsg(session.SettingsQuery)) {
		t.Fatalf("server received %q, want the settings read back", got)
	}
	cancelled := codec.AppendErrorResponse(nil, "ERROR", "57014", "canceling statement due to statement timeout")
	h.send(sc, cat(cancelled, rfq('I')))
	if !sc.isClosed() || h.isIdle(s) || !s.tainted {
		t.Fatalf("server closed %v, idle %v, tainted %v; want it closed, never pooled", sc.isClosed(), h.isIdle(s), s.tainted)
	}
	if cl.server != nil || !slices.Equal(cl.params, before) {
		t.Fatalf("client server %v, params %v; want unlinked, settings as before %v", cl.server, cl.params, before)
	}
}

// TestStatementTimeoutResetBeforePooling: a server whose client left a
// statement_timeout on it gets RESET statement_timeout before it goes back
// to the pool, so that the next client's settings sync never runs under a
// timeout another client chose; a RESET that fails closes the server.
func TestStatementTimeoutResetBeforePooling(t *testing.T) {
	for _, fails := range []bool{false, true} {
		h := newHarness(t, opts{})
		s, sc := h.addServer()
		_, cc := h.connect()
		h.send(cc, queryMsg("SET statement_timeout = '1ms'"))
		sc.take()
		h.send(sc, cat(complete("SET"), rfq('I')))
		cc.take()
		sc.take() // the settings read back
		h.send(sc, cat(frame('D', dataRow("1ms")), complete("SELECT 1"), complete("SET"), complete("SELECT 0"), rfq('I')))
		if got := sc.take(); !bytes.Equal(got, queryMsg("RESET statement_timeout")) || h.isIdle(s) {
			t.Fatalf("server received %q, idle %v; want RESET statement_timeout before it is pooled", got, h.isIdle(s))
		}
		if fails {
			cancelled := codec.AppendErrorResponse(nil, "ERROR", "57014", "canceling statement due to statement timeout")
			h.send(sc, cat(cancelled, rfq('I')))
			if !sc.isClosed() || h.isIdle(s) {
				t.Fatalf("a failed RESET: server closed %v, idle %v; want it closed", sc.isClosed(), h.isIdle(s))
			}
			continue
		}
		h.send(sc, cat(complete("RESET"), rfq('I')))
		if !h.isIdle(s) || s.params.Has("statement_timeout") || sc.isClosed() {
			t.Fatalf("after RESET: idle %v, params %v, closed %v; want pooled without the timeout", h.isIdle(s), s.params, sc.isClosed())
		}
	}
}
