// Tests of the backend frame readers.

package codec

import (
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestParameterStatusKV(t *testing.T) {
	frame := AppendParameterStatus(nil, "DateStyle", "ISO, MDY")
	name, value, ok := ParameterStatusKV(frame[HeaderLen:])
	if !ok || string(name) != "DateStyle" || string(value) != "ISO, MDY" {
		t.Fatalf("got %q=%q ok=%v", name, value, ok)
	}
	name, value, ok = ParameterStatusKV([]byte("a\x00\x00"))
	if !ok || string(name) != "a" || len(value) != 0 {
		t.Fatalf("empty value: %q=%q ok=%v", name, value, ok)
	}
	for _, bad := range []string{"", "abc", "a\x00b", "a\x00b\x00c", "a\x00b\x00\x00"} {
		if _, _, ok := ParameterStatusKV([]byte(bad)); ok {
			t.Fatalf("ParameterStatusKV(%q) accepted", bad)
		}
	}
}

func TestErrorFields(t *testing.T) {
	// A server with lc_messages=de sends a localized S and an English V.
	er := &pgproto3.ErrorResponse{Severity: "FEHLER", SeverityUnlocalized: "ERROR", Code: "42P01",
		Message: "relation does not exist", Detail: "d", Hint: "h", Position: 15}
	buf, err := er.Encode(nil)
	if err != nil {
		t.Fatal(err)
	}
	body := buf[HeaderLen:]
	sev, code, msg := ErrorFields(body)
	if string(sev) != "ERROR" || string(code) != "42P01" || string(msg) != "relation does not exist" {
		t.Fatalf("got %q %q %q", sev, code, msg)
	}
	if string(ErrorField(body, 'H')) != "h" || string(ErrorField(body, 'P')) != "15" || ErrorField(body, 'W') != nil {
		t.Fatalf("ErrorField: H=%q P=%q", ErrorField(body, 'H'), ErrorField(body, 'P'))
	}
	// Old servers (before 9.6) send no V: fall back to S.
	sev, _, _ = ErrorFields([]byte("SFATAL\x00C28000\x00Mno\x00\x00"))
	if string(sev) != "FATAL" {
		t.Fatalf("severity %q, want FATAL", sev)
	}
	// Truncated bodies return what was complete and never panic.
	sev, code, msg = ErrorFields([]byte("SERROR\x00C4260"))
	if string(sev) != "ERROR" || code != nil || msg != nil {
		t.Fatalf("truncated: %q %q %q", sev, code, msg)
	}
	if s, c, m := ErrorFields(nil); s != nil || c != nil || m != nil {
		t.Fatal("empty body yields fields")
	}
	if ErrorField([]byte("Mx"), 'M') != nil {
		t.Fatal("unterminated field returned")
	}
	// Round trip through the codec's own builder.
	frame := AppendErrorResponse(nil, "ERROR", CodeUndefinedObject, "skipping")
	sev, code, msg = ErrorFields(frame[HeaderLen:])
	if string(sev) != "ERROR" || string(code) != CodeUndefinedObject || string(msg) != "skipping" {
		t.Fatalf("codec-built: %q %q %q", sev, code, msg)
	}
}
