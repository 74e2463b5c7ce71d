// Differential protocol test: comparing two transcripts message by message, the leak check and readable renderings.

package testsuite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgdogd/pgdogd/codec"
)

// diffContext is how many equal messages are shown before a difference.
const diffContext = 4

// diffDescribeFrames is how many frames of a batch a report shows.
var diffDescribeFrames = 8

// CompareDiffTranscripts returns "" when got (through the proxy) equals want (direct),
// message by message and in how the session ended, else the first difference with context.
func CompareDiffTranscripts(sc DiffScript, want, got DiffTranscript, wantName, gotName string) string {
	n := min(len(want.Msgs), len(got.Msgs))
	at := n
	failedTx := false // the last ReadyForQuery said the transaction failed
	for i := range n {
		w, g := want.Msgs[i].Frame, got.Msgs[i].Frame
		if len(w) == 6 && w[0] == 'Z' {
			failedTx = w[5] == 'E'
		}
		if !bytes.Equal(w, g) && !(failedTx && preparedInFailedTx(w, g)) {
			at = i
			break
		}
	}
	if at == n && len(want.Msgs) == len(got.Msgs) && want.End == got.End {
		return ""
	}
	var b strings.Builder
	step := stepOf(want, got, at)
	fmt.Fprintf(&b, "client %d (%s): first difference at message #%d, step %d", sc.Client, sc.Table, at, step)
	if step >= 0 && step < len(sc.Steps) {
		b.WriteString(" " + describeStep(sc.Steps[step]))
	}
	b.WriteString("\n")
	for i := max(0, at-diffContext); i < at; i++ {
		fmt.Fprintf(&b, "      both    #%d step %d: %s\n", i, want.Msgs[i].Step, describeFrame(want.Msgs[i].Frame))
	}
	for _, side := range []struct {
		name string
		tr   DiffTranscript
	}{{wantName, want}, {gotName, got}} {
		if at < len(side.tr.Msgs) {
			m := side.tr.Msgs[at]
			fmt.Fprintf(&b, "      %-7s #%d step %d: %s\n", side.name, at, m.Step, describeFrame(m.Frame))
		} else {
			fmt.Fprintf(&b, "      %-7s #%d: (no more messages)\n", side.name, at)
		}
	}
	if at < n {
		if f := fieldDiff(want.Msgs[at].Frame, got.Msgs[at].Frame); f != "" {
			fmt.Fprintf(&b, "      fields: %s\n", f)
		}
	}
	fmt.Fprintf(&b, "      %s ended: %s; %s ended: %s", wantName, want.End, gotName, got.End)
	return b.String()
}

// preparedInFailedTx reports whether got is the one documented difference
// of pgdogd: inside a failed transaction, a statement pgdogd must prepare on
// the server it got fails at pgdogd's Parse (PostgreSQL refuses any Parse
// there with 25P02) before the client's Bind or Describe is read, so the
// client gets that 25P02 where PostgreSQL answers its Bind with 25P02 from
// another source location, or with 08P01 for a wrong parameter count.
func preparedInFailedTx(want, got []byte) bool {
	if len(want) < 5 || len(got) < 5 || want[0] != 'E' || got[0] != 'E' {
		return false
	}
	_, code, _ := codec.ErrorFields(got[5:])
	return string(code) == "25P02" && string(codec.ErrorField(got[5:], 'R')) == "exec_parse_message"
}

// stepOf is the step of message at in whichever transcript has it.
func stepOf(want, got DiffTranscript, at int) int {
	switch {
	case at < len(want.Msgs):
		return want.Msgs[at].Step
	case at < len(got.Msgs):
		return got.Msgs[at].Step
	case len(want.Msgs) > 0:
		return want.Msgs[len(want.Msgs)-1].Step
	}
	return -1
}

// DiffLeaks lists every message (startup included) that carries the proxy's own statement
// names, which a client must never see.
func DiffLeaks(tr DiffTranscript) []string {
	const name = "__pgdogd_"
	var out []string
	if bytes.Contains(tr.Startup, []byte(name)) {
		out = append(out, "startup exchange")
	}
	for i, m := range tr.Msgs {
		if bytes.Contains(m.Frame, []byte(name)) {
			out = append(out, fmt.Sprintf("#%d step %d: %s", i, m.Step, describeFrame(m.Frame)))
		}
	}
	return out
}

// describeStep renders a step: label, frames, splits and how the client leaves.
func describeStep(st DiffStep) string {
	s := fmt.Sprintf("%q [%s]", st.Label, describeBatch(st.Batch, diffDescribeFrames)) + describeSplits(st.Splits)
	if len(st.Copy) > 0 {
		s += " then copy [" + describeBatch(st.Copy, 4) + "]" + describeSplits(st.CopySplits)
	}
	if st.Leave != LeaveNone {
		s += " leave " + st.Leave.String()
		if st.CutWhere != "" {
			s += " " + st.CutWhere
		}
	}
	return s
}

// describeSplits renders write boundaries, or "" when there are none.
func describeSplits(splits []DiffSplit) string {
	if len(splits) == 0 {
		return ""
	}
	var parts []string
	for _, sp := range splits {
		parts = append(parts, fmt.Sprintf("%s@%d", sp.Kind, sp.At))
	}
	return " split " + strings.Join(parts, ",")
}

// describeBatch renders up to max frontend frames of buf.
func describeBatch(buf []byte, limit int) string {
	spans := frameSpans(buf)
	var parts []string
	for i, sp := range spans {
		if i == limit {
			parts = append(parts, fmt.Sprintf("... %d more", len(spans)-limit))
			break
		}
		body := buf[sp[0]+5 : sp[1]]
		switch buf[sp[0]] {
		case 'Q':
			parts = append(parts, "Q "+clip(cstr(body), 70))
		case 'P':
			name := cstr(body)
			parts = append(parts, fmt.Sprintf("P(%q) %s", name, clip(cstr(body[len(name)+1:]), 50)))
		case 'B':
			portal := cstr(body)
			parts = append(parts, fmt.Sprintf("B(%q<-%q)", portal, cstr(body[len(portal)+1:])))
		case 'D', 'C':
			parts = append(parts, fmt.Sprintf("%c(%c %q)", buf[sp[0]], body[0], cstr(body[1:])))
		case 'E':
			portal := cstr(body)
			parts = append(parts, fmt.Sprintf("E(%q,%d)", portal, binary.BigEndian.Uint32(body[len(portal)+1:])))
		default:
			parts = append(parts, fmt.Sprintf("%c(%d)", buf[sp[0]], len(body)))
		}
	}
	return strings.Join(parts, " ")
}

// describeFrame renders one backend message.
func describeFrame(f []byte) string {
	body := f[5:]
	switch f[0] {
	case 'E', 'N':
		sev, code, msg := codec.ErrorFields(body)
		s := fmt.Sprintf("%c %s %s %s", f[0], sev, code, msg)
		if d := codec.ErrorField(body, 'D'); d != nil {
			s += " DETAIL " + string(d)
		}
		if r := codec.ErrorField(body, 'R'); r != nil {
			return s + " [" + string(r) + "]"
		}
		return s + " [no routine field: not from PostgreSQL]"
	case 'C':
		return "CommandComplete " + cstr(body)
	case 'Z':
		return "ReadyForQuery " + string(body)
	case 'S':
		return "ParameterStatus " + strings.ReplaceAll(strings.TrimSuffix(string(body), "\x00"), "\x00", "=")
	case 'D':
		return "DataRow " + clip(dataRowText(body), 80)
	case 'T':
		return "RowDescription " + clip(rowDescNames(body), 80)
	}
	names := map[byte]string{'1': "ParseComplete", '2': "BindComplete", '3': "CloseComplete", 'n': "NoData",
		's': "PortalSuspended", 'I': "EmptyQueryResponse", 't': "ParameterDescription", 'G': "CopyInResponse",
		'H': "CopyOutResponse", 'd': "CopyData", 'c': "CopyDone"}
	if n, ok := names[f[0]]; ok {
		return fmt.Sprintf("%s (%d bytes)", n, len(f))
	}
	return fmt.Sprintf("%q (%d bytes) %q", f[0], len(f), clip(string(body), 60))
}

func dataRowText(body []byte) string {
	if len(body) < 2 {
		return "?"
	}
	n, rest := int(binary.BigEndian.Uint16(body)), body[2:]
	var vals []string
	for range n {
		if len(rest) < 4 {
			break
		}
		l := int(int32(binary.BigEndian.Uint32(rest)))
		rest = rest[4:]
		if l < 0 || l > len(rest) {
			vals = append(vals, "NULL")
			continue
		}
		vals = append(vals, strconv.Quote(clip(string(rest[:l]), 30)))
		rest = rest[l:]
	}
	return "[" + strings.Join(vals, ", ") + "]"
}

func rowDescNames(body []byte) string {
	if len(body) < 2 {
		return "?"
	}
	n, rest := int(binary.BigEndian.Uint16(body)), body[2:]
	var names []string
	for range n {
		name := cstr(rest)
		names = append(names, name)
		if len(rest) < len(name)+19 {
			break
		}
		rest = rest[len(name)+19:]
	}
	return "(" + strings.Join(names, ", ") + ")"
}

// cstr is the NUL-terminated string at the start of b.
func cstr(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("...(%d bytes)", len(s))
}

// fieldDiff lists the fields that differ between two ErrorResponse or NoticeResponse
// messages, or returns "" for other messages.
func fieldDiff(a, b []byte) string {
	if a[0] != b[0] || (a[0] != 'E' && a[0] != 'N') {
		return ""
	}
	var parts []string
	for _, f := range []byte("SVCMDHPpqWstcdnFLR") {
		x, y := codec.ErrorField(a[5:], f), codec.ErrorField(b[5:], f)
		if !bytes.Equal(x, y) || (x == nil) != (y == nil) {
			parts = append(parts, fmt.Sprintf("%c %q != %q", f, clip(string(x), 60), clip(string(y), 60)))
		}
	}
	return strings.Join(parts, "; ")
}
