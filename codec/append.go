// Low-level helpers shared by the message builders.

package codec

import (
	"encoding/binary"
	"strings"
)

// beginMsg appends a typed header with a zero length and returns where the
// message starts, for finishMsg to back-patch.
func beginMsg(dst []byte, typ byte) ([]byte, int) {
	start := len(dst)
	return append(dst, typ, 0, 0, 0, 0), start
}

// finishMsg writes the length of the message begun at start.
func finishMsg(dst []byte, start int) []byte {
	binary.BigEndian.PutUint32(dst[start+1:], uint32(len(dst)-start-1))
	return dst
}

// appendCString appends s and a NUL terminator. A NUL inside s would break
// the framing of everything after it, so s is cut at its first NUL.
func appendCString(dst []byte, s string) []byte {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	dst = append(dst, s...)
	return append(dst, 0)
}

// appendField appends one ErrorResponse/NoticeResponse field.
func appendField(dst []byte, code byte, value string) []byte {
	return appendCString(append(dst, code), value)
}
