// Tests of ParseStartup and the Startup helpers.

package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"
)

// rawStartup builds an untyped packet with a correct length field.
func rawStartup(code uint32, body []byte) []byte {
	buf := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	buf = binary.BigEndian.AppendUint32(buf, code)
	return append(buf, body...)
}

func TestParseStartup(t *testing.T) {
	userDB := []Param{{"user", "alice"}, {"database", "shop"}, {"application_name", "psql"}}
	longKey := bytes.Repeat([]byte{0xAB}, MaxCancelKeyLen)
	tests := []struct {
		name   string
		buf    []byte
		kind   StartupKind
		minor  uint16
		params []Param
		pid    uint32
		key    []byte
		err    error
	}{
		{"v3.0", AppendStartupMessage(nil, 3, 0, userDB...), StartupMessage, 0, userDB, 0, nil, nil},
		{"v3.2", AppendStartupMessage(nil, 3, 2, userDB...), StartupMessage, 2, userDB, 0, nil, nil},
		{"v3.1", AppendStartupMessage(nil, 3, 1, userDB...), StartupMessage, 1, userDB, 0, nil, nil},
		{"v3.9", AppendStartupMessage(nil, 3, 9, userDB...), StartupMessage, 9, userDB, 0, nil, nil},
		{"empty value", AppendStartupMessage(nil, 3, 0, Param{"user", "u"}, Param{"options", ""}),
			StartupMessage, 0, []Param{{"user", "u"}, {"options", ""}}, 0, nil, nil},
		{"SSLRequest", AppendSSLRequest(nil), SSLRequest, 0, nil, 0, nil, nil},
		{"GSSENCRequest", rawStartup(codeGSSENC, nil), GSSENCRequest, 0, nil, 0, nil, nil},
		{"cancel 3.0", AppendCancelRequest(nil, 4242, []byte{1, 2, 3, 4}), CancelRequest, 0, nil, 4242, []byte{1, 2, 3, 4}, nil},
		{"cancel 3.2 long key", AppendCancelRequest(nil, 7, longKey), CancelRequest, 0, nil, 7, longKey, nil},
		{"cancel key too long", AppendCancelRequest(nil, 7, append(longKey, 0)), 0, 0, nil, 0, nil, ErrBadStartup},
		{"cancel without pid", rawStartup(codeCancel, []byte{0, 1}), 0, 0, nil, 0, nil, ErrBadStartup},
		{"SSLRequest with body", rawStartup(codeSSL, []byte{0}), 0, 0, nil, 0, nil, ErrBadStartup},
		{"bad magic", rawStartup(1234<<16|5681, nil), 0, 0, nil, 0, nil, ErrUnsupportedProtocol},
		{"protocol 2.0", AppendStartupMessage(nil, 2, 0, userDB...), 0, 0, nil, 0, nil, ErrUnsupportedProtocol},
		{"protocol 4.0", AppendStartupMessage(nil, 4, 0, userDB...), 0, 0, nil, 0, nil, ErrUnsupportedProtocol},
		{"length below 8", []byte{0, 0, 0, 7, 0, 3, 0, 0}, 0, 0, nil, 0, nil, ErrBadStartup},
		{"negative length", []byte{0xff, 0xff, 0xff, 0xf0}, 0, 0, nil, 0, nil, ErrBadStartup},
		{"too long", AppendStartupMessage(nil, 3, 0, Param{"user", strings.Repeat("u", MaxStartupLen)}),
			0, 0, nil, 0, nil, ErrStartupTooLarge},
		{"too long header only", []byte{0, 0, 0x27, 0x11}, 0, 0, nil, 0, nil, ErrStartupTooLarge},
		{"no params at all", rawStartup(3<<16, nil), 0, 0, nil, 0, nil, ErrBadStartup},
		{"unterminated value", rawStartup(3<<16, []byte("user\x00bob")), 0, 0, nil, 0, nil, ErrBadStartup},
		{"missing final terminator", rawStartup(3<<16, []byte("user\x00bob\x00")), 0, 0, nil, 0, nil, ErrBadStartup},
		{"odd params", rawStartup(3<<16, []byte("user\x00bob\x00database\x00\x00")), 0, 0, nil, 0, nil, ErrBadStartup},
		{"bytes after terminator", rawStartup(3<<16, []byte("user\x00bob\x00\x00x\x00")), 0, 0, nil, 0, nil, ErrBadStartup},
		{"missing user", AppendStartupMessage(nil, 3, 0, Param{"database", "shop"}), 0, 0, nil, 0, nil, ErrNoUser},
		{"empty user", AppendStartupMessage(nil, 3, 0, Param{"user", ""}), 0, 0, nil, 0, nil, ErrNoUser},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, n, err := ParseStartup(tc.buf)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || n != 0 {
					t.Fatalf("got n=%d err=%v, want n=0 err=%v", n, err, tc.err)
				}
				return
			}
			if err != nil || n != len(tc.buf) {
				t.Fatalf("got n=%d err=%v, want n=%d", n, err, len(tc.buf))
			}
			if s.Kind != tc.kind || s.Minor != tc.minor || s.ProcessID != tc.pid ||
				!bytes.Equal(s.SecretKey, tc.key) || !slices.Equal(s.Params, tc.params) {
				t.Fatalf("got %+v", s)
			}
			if tc.kind == StartupMessage && s.Major != 3 {
				t.Fatalf("major %d", s.Major)
			}
		})
	}
}

// TestParseStartupIncomplete feeds every strict prefix of valid packets.
func TestParseStartupIncomplete(t *testing.T) {
	packets := [][]byte{
		AppendStartupMessage(nil, 3, 0, Param{"user", "alice"}),
		AppendSSLRequest(nil),
		AppendCancelRequest(nil, 1, []byte{1, 2, 3, 4}),
	}
	for _, p := range packets {
		for i := range len(p) {
			s, n, err := ParseStartup(p[:i])
			if n != 0 || err != nil || s.Kind != 0 {
				t.Fatalf("prefix %d of %q: n=%d err=%v kind=%v", i, p, n, err, s.Kind)
			}
		}
	}
}

// TestParseStartupFollowedBy checks n stops at the packet when more bytes follow.
func TestParseStartupFollowedBy(t *testing.T) {
	buf := AppendSSLRequest(nil)
	buf = AppendStartupMessage(buf, 3, 0, Param{"user", "bob"})
	s, n, err := ParseStartup(buf)
	if err != nil || n != 8 || s.Kind != SSLRequest {
		t.Fatalf("got kind=%v n=%d err=%v", s.Kind, n, err)
	}
	s, n, err = ParseStartup(buf[n:])
	if err != nil || n != len(buf)-8 || s.User() != "bob" {
		t.Fatalf("got user=%q n=%d err=%v", s.User(), n, err)
	}
}

// TestStartupCopies checks Startup does not alias the parsed buffer.
func TestStartupCopies(t *testing.T) {
	buf := AppendStartupMessage(nil, 3, 0, Param{"user", "alice"})
	s, _, err := ParseStartup(buf)
	if err != nil {
		t.Fatal(err)
	}
	cancel := AppendCancelRequest(nil, 9, []byte{5, 6, 7, 8})
	c, _, err := ParseStartup(cancel)
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'z'
	}
	for i := range cancel {
		cancel[i] = 0
	}
	if s.User() != "alice" || !bytes.Equal(c.SecretKey, []byte{5, 6, 7, 8}) {
		t.Fatalf("startup aliases its input: user=%q key=%v", s.User(), c.SecretKey)
	}
}

func TestStartupHelpers(t *testing.T) {
	s := Startup{Kind: StartupMessage, Major: 3, Minor: 0, Params: []Param{
		{"user", "alice"}, {"application_name", "a"}, {"application_name", "b"},
	}}
	if got := s.Get("application_name"); got != "b" {
		t.Fatalf("Get returned %q, want last value b", got)
	}
	if s.Get("missing") != "" || s.Database() != "alice" {
		t.Fatalf("Get(missing)=%q Database()=%q", s.Get("missing"), s.Database())
	}
	if s.NeedsNegotiation() {
		t.Fatal("3.0 without _pq_ options needs no negotiation")
	}
	s.Params = append(s.Params, Param{"database", "shop"}, Param{"_pq_.compression", "on"})
	if s.Database() != "shop" {
		t.Fatalf("Database()=%q", s.Database())
	}
	if !s.NeedsNegotiation() || !slices.Equal(s.ProtocolOptions(), []string{"_pq_.compression"}) {
		t.Fatalf("options %v", s.ProtocolOptions())
	}
	for _, tc := range []struct {
		minor     uint16
		negotiate bool
	}{{0, false}, {1, false}, {2, false}, {3, true}, {0xffff, true}} {
		s := Startup{Kind: StartupMessage, Major: 3, Minor: tc.minor}
		if s.NeedsNegotiation() != tc.negotiate {
			t.Fatalf("minor %d: negotiate %v", tc.minor, s.NeedsNegotiation())
		}
	}
	if StartupKind(0).String() != "unknown" || CancelRequest.String() != "CancelRequest" {
		t.Fatal("bad StartupKind names")
	}
}
