// record.go holds the layout of a captured transaction: timed requests, back to back in one buffer.

package mirror

import (
	"encoding/binary"
	"time"
)

// RecordHeader is the size of a request record's header: the length of the
// request's bytes (uint32) and its offset from the transaction's start in
// nanoseconds (int64), both big-endian.
const RecordHeader = 12

// AppendRecord appends one request, sent at offset at from the transaction's
// start, to a capture buffer.
func AppendRecord(dst []byte, at time.Duration, req []byte) []byte {
	h := RecordHeaderFor(at, len(req))
	dst = append(dst, h[:]...)
	return append(dst, req...)
}

// NextRecord reads the record at the start of buf. req aliases buf and is
// valid as long as buf; n is the record's size. ok is false when buf does not
// start with a whole record.
func NextRecord(buf []byte) (at time.Duration, req []byte, n int, ok bool) {
	if len(buf) < RecordHeader {
		return 0, nil, 0, false
	}
	size := int(binary.BigEndian.Uint32(buf[0:4]))
	if size > len(buf)-RecordHeader {
		return 0, nil, 0, false
	}
	at = time.Duration(binary.BigEndian.Uint64(buf[4:12]))
	return at, buf[RecordHeader : RecordHeader+size], RecordHeader + size, true
}

// RecordHeaderFor returns the header of a request of n bytes sent at offset
// at, for callers that append the header and the bytes separately.
func RecordHeaderFor(at time.Duration, n int) [RecordHeader]byte {
	var h [RecordHeader]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(n))
	binary.BigEndian.PutUint64(h[4:12], uint64(at))
	return h
}
