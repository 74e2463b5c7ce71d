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
	var h [RecordHeader]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(len(req)))
	binary.BigEndian.PutUint64(h[4:12], uint64(at))
	dst = append(dst, h[:]...)
	return append(dst, req...)
}

// BeginRecord appends a header whose length is filled in by EndRecord, so a
// request can be appended in several pieces. It returns the header's position.
func BeginRecord(dst []byte, at time.Duration) ([]byte, int) {
	pos := len(dst)
	var h [RecordHeader]byte
	binary.BigEndian.PutUint64(h[4:12], uint64(at))
	return append(dst, h[:]...), pos
}

// EndRecord back-patches the length of the record begun at pos.
func EndRecord(dst []byte, pos int) {
	binary.BigEndian.PutUint32(dst[pos:pos+4], uint32(len(dst)-pos-RecordHeader))
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

// Records counts the whole records in buf.
func Records(buf []byte) int {
	n := 0
	for {
		_, _, size, ok := NextRecord(buf)
		if !ok {
			return n
		}
		n++
		buf = buf[size:]
	}
}

// RecordHeaderFor returns the header of a request of n bytes sent at offset
// at, for callers that append the header and the bytes separately.
func RecordHeaderFor(at time.Duration, n int) [RecordHeader]byte {
	var h [RecordHeader]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(n))
	binary.BigEndian.PutUint64(h[4:12], uint64(at))
	return h
}
