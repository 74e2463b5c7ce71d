// In-place framing of typed protocol messages (type byte + int32 length).

package codec

import "encoding/binary"

// HeaderLen is the size of a typed frame's header: type byte + int32 length.
const HeaderLen = 5

// DefaultMaxFrame is PostgreSQL's own ceiling for a single message
// (MaxAllocSize - 1); callers usually pass something much smaller.
const DefaultMaxFrame = 1<<30 - 1

// NextFrame inspects buf, which must start at a frame boundary.
//
// It returns the type byte, the frame's total size on the wire (1 + the
// length field) and complete=true when buf holds the whole frame. With fewer
// than HeaderLen bytes it returns (0, 0, false, nil): read more. A length
// field below 4 (negative included) is ErrShortLength; a frame whose size
// would exceed max bytes is ErrTooLarge (a frame of exactly max bytes is
// fine; max <= 0 disables the check). Both are reported as soon as the
// header is present, before the body arrives. NextFrame never allocates.
func NextFrame(buf []byte, max int) (typ byte, size int, complete bool, err error) {
	if len(buf) < HeaderLen {
		return 0, 0, false, nil
	}
	typ = buf[0]
	length := int32(binary.BigEndian.Uint32(buf[1:HeaderLen]))
	if length < 4 {
		return typ, 0, false, ErrShortLength
	}
	size = int(length) + 1
	if max > 0 && size > max {
		return typ, 0, false, ErrTooLarge
	}
	return typ, size, len(buf) >= size, nil
}

// Body returns the body of the complete frame at the start of buf whose size
// NextFrame reported: buf[HeaderLen:size], with its capacity clipped so an
// append cannot overwrite the next frame. It aliases buf and is valid as
// long as buf is.
func Body(buf []byte, size int) []byte {
	return buf[HeaderLen:size:size]
}
