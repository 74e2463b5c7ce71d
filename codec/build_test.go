// Builders round-tripped through pgproto3, and pgproto3's encodings parsed by the codec.

package codec

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// receiveN decodes n backend messages from buf with pgproto3's Frontend and
// checks nothing follows them.
func receiveN(t *testing.T, buf []byte, n int) []pgproto3.BackendMessage {
	t.Helper()
	fe := pgproto3.NewFrontend(bytes.NewReader(buf), io.Discard)
	var msgs []pgproto3.BackendMessage
	for range n {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("pgproto3 cannot decode message %d: %v", len(msgs), err)
		}
		// Receive reuses its messages: keep a shallow copy.
		cp := reflect.New(reflect.TypeOf(msg).Elem())
		cp.Elem().Set(reflect.ValueOf(msg).Elem())
		msgs = append(msgs, cp.Interface().(pgproto3.BackendMessage))
	}
	if msg, err := fe.Receive(); err == nil {
		t.Fatalf("unexpected trailing message %#v", msg)
	}
	return msgs
}

// encode returns msg as pgproto3 puts it on the wire.
func encode(t testing.TB, msg interface{ Encode([]byte) ([]byte, error) }) []byte {
	t.Helper()
	buf, err := msg.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	return buf
}

func TestBackendBuildersRoundTrip(t *testing.T) {
	prefix := []byte("keep")
	key := bytes.Repeat([]byte{0x5A}, 32)
	tests := []struct {
		name  string
		build func([]byte) []byte
		want  pgproto3.BackendMessage
	}{
		{"error", func(b []byte) []byte { return AppendErrorResponse(b, "FATAL", CodeInvalidPassword, "bad password") },
			&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "28P01", Message: "bad password"}},
		{"error with NUL", func(b []byte) []byte { return AppendErrorResponse(b, "ERROR", CodeInternalError, "a\x00b") },
			&pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "XX000", Message: "a"}},
		{"ready", func(b []byte) []byte { return AppendReadyForQuery(b, TxFailed) }, &pgproto3.ReadyForQuery{TxStatus: 'E'}},
		{"parameter status", func(b []byte) []byte { return AppendParameterStatus(b, "server_version", "15.8") },
			&pgproto3.ParameterStatus{Name: "server_version", Value: "15.8"}},
		{"key data 3.0", func(b []byte) []byte { return AppendBackendKeyData(b, 77, []byte{1, 2, 3, 4}) },
			&pgproto3.BackendKeyData{ProcessID: 77, SecretKey: []byte{1, 2, 3, 4}}},
		{"key data 3.2", func(b []byte) []byte { return AppendBackendKeyData(b, 78, key) },
			&pgproto3.BackendKeyData{ProcessID: 78, SecretKey: key}},
		{"auth ok", AppendAuthOK, &pgproto3.AuthenticationOk{}},
		{"negotiate", func(b []byte) []byte { return AppendNegotiateProtocolVersion(b, 2, []string{"_pq_.a", "_pq_.b"}) },
			&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 3<<16 | 2, UnrecognizedOptions: []string{"_pq_.a", "_pq_.b"}}},
		{"negotiate whole version", func(b []byte) []byte { return AppendNegotiateProtocolVersion(b, 3<<16, nil) },
			&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 3 << 16, UnrecognizedOptions: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := tc.build(bytes.Clone(prefix))
			if !bytes.HasPrefix(buf, prefix) {
				t.Fatalf("builder clobbered dst: %q", buf)
			}
			msgs := receiveN(t, buf[len(prefix):], 1)
			if len(msgs) != 1 || !reflect.DeepEqual(msgs[0], tc.want) {
				t.Fatalf("decoded %#v, want %#v", msgs, tc.want)
			}
			// The codec's own framing must agree on the size.
			_, size, complete, err := NextFrame(buf[len(prefix):], 1<<20)
			if err != nil || !complete || size != len(buf)-len(prefix) {
				t.Fatalf("NextFrame size %d complete %v err %v, want %d", size, complete, err, len(buf)-len(prefix))
			}
		})
	}
}

// TestBackendBuildersCoalesce checks several builders chained into one buffer.
func TestBackendBuildersCoalesce(t *testing.T) {
	var buf []byte
	buf = AppendAuthOK(buf)
	buf = AppendParameterStatus(buf, "client_encoding", "UTF8")
	buf = AppendBackendKeyData(buf, 1, []byte{0, 0, 0, 1})
	buf = AppendReadyForQuery(buf, TxIdle)
	want := []string{"*pgproto3.AuthenticationOk", "*pgproto3.ParameterStatus", "*pgproto3.BackendKeyData", "*pgproto3.ReadyForQuery"}
	msgs := receiveN(t, buf, len(want))
	for i, m := range msgs {
		if got := reflect.TypeOf(m).String(); got != want[i] {
			t.Fatalf("message %d is %s, want %s", i, got, want[i])
		}
	}
}

func TestFrontendBuildersRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{0xC3}, MaxCancelKeyLen)
	tests := []struct {
		name    string
		buf     []byte
		startup bool
		want    pgproto3.FrontendMessage
	}{
		{"query", AppendQuery(nil, "select 1"), false, &pgproto3.Query{String: "select 1"}},
		{"sync", AppendSync(nil), false, &pgproto3.Sync{}},
		{"cancel 3.0", AppendCancelRequest(nil, 12, []byte{1, 2, 3, 4}), true,
			&pgproto3.CancelRequest{ProcessID: 12, SecretKey: []byte{1, 2, 3, 4}}},
		{"cancel 3.2", AppendCancelRequest(nil, 13, key), true, &pgproto3.CancelRequest{ProcessID: 13, SecretKey: key}},
		{"ssl", AppendSSLRequest(nil), true, &pgproto3.SSLRequest{}},
		{"startup 3.0", AppendStartupMessage(nil, 3, 0, Param{"user", "u"}, Param{"database", "d"}), true,
			&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u", "database": "d"}}},
		{"startup 3.2", AppendStartupMessage(nil, 3, 2, Param{"user", "u"}), true,
			&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32, Parameters: map[string]string{"user": "u"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be := pgproto3.NewBackend(bytes.NewReader(tc.buf), io.Discard)
			var msg pgproto3.FrontendMessage
			var err error
			if tc.startup {
				msg, err = be.ReceiveStartupMessage()
			} else {
				msg, err = be.Receive()
			}
			if err != nil || !reflect.DeepEqual(msg, tc.want) {
				t.Fatalf("decoded %#v (err %v), want %#v", msg, err, tc.want)
			}
		})
	}
}

// TestParsePgproto3Startup parses startup packets encoded by pgproto3.
func TestParsePgproto3Startup(t *testing.T) {
	sm := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "bob", "database": "db", "options": "-c search_path=x"}}
	buf, err := sm.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, n, err := ParseStartup(buf)
	if err != nil || n != len(buf) || s.Kind != StartupMessage || s.Minor != 2 {
		t.Fatalf("got %+v n=%d err=%v", s, n, err)
	}
	for k, v := range sm.Parameters {
		if s.Get(k) != v {
			t.Fatalf("param %s = %q, want %q", k, s.Get(k), v)
		}
	}
	cr := &pgproto3.CancelRequest{ProcessID: 99, SecretKey: []byte("0123456789abcdef")}
	if buf, err = cr.Encode(nil); err != nil {
		t.Fatal(err)
	}
	s, n, err = ParseStartup(buf)
	if err != nil || n != len(buf) || s.ProcessID != 99 || string(s.SecretKey) != "0123456789abcdef" {
		t.Fatalf("got %+v n=%d err=%v", s, n, err)
	}
	buf = encode(t, &pgproto3.GSSEncRequest{})
	if s, n, err = ParseStartup(buf); err != nil || n != len(buf) || s.Kind != GSSENCRequest {
		t.Fatalf("got %+v n=%d err=%v", s, n, err)
	}
}

func TestAppendRenamed(t *testing.T) {
	bind := []byte("B\x00\x00\x00\x0e\x00s1\x00\x00\x00\x00\x00\x00\x00")
	got := AppendRenamed(nil, bind, 1, "__pgdogd_7")
	want := []byte("B\x00\x00\x00\x16\x00__pgdogd_7\x00\x00\x00\x00\x00\x00\x00")
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendRenamed = %q, want %q", got, want)
	}
	closeS := AppendClose(nil, 'S', "s1")
	if got := AppendRenamed(nil, closeS, 1, "x"); !bytes.Equal(got, AppendClose(nil, 'S', "x")) {
		t.Fatalf("renamed Close = %q", got)
	}
	parse := AppendParse(nil, "", []byte("select $1"), []byte{0, 1, 0, 0, 0, 23})
	if want := []byte("P\x00\x00\x00\x15\x00select $1\x00\x00\x01\x00\x00\x00\x17"); !bytes.Equal(parse, want) {
		t.Fatalf("AppendParse = %q, want %q", parse, want)
	}
	q, start := BeginQuery([]byte("x"))
	q = FinishQuery(append(q, "select 1"...), start)
	if !bytes.Equal(q[1:], AppendQuery(nil, "select 1")) {
		t.Fatalf("BeginQuery/FinishQuery = %q", q)
	}
}

func TestAppendNoticeMapped(t *testing.T) {
	e := encode(t, &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "26000",
		Message: "prepared statement \"x\" does not exist", Detail: "d"})
	same := AppendNoticeMapped(nil, e, func(dst []byte, _ byte, v []byte) []byte { return append(dst, v...) })
	if !bytes.Equal(same, e) {
		t.Fatalf("identity mapping changed the frame:\n%q\n%q", same, e)
	}
	upper := AppendNoticeMapped(nil, e, func(dst []byte, f byte, v []byte) []byte {
		if f == 'M' {
			return append(dst, "renamed"...)
		}
		return append(dst, v...)
	})
	_, _, msg := ErrorFields(upper[HeaderLen:])
	if string(msg) != "renamed" || ErrorField(upper[HeaderLen:], 'D') == nil {
		t.Fatalf("mapped frame %q", upper)
	}
}
