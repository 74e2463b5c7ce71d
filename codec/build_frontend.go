// Builders for frontend messages: what the proxy sends to servers, and test clients.

package codec

import "encoding/binary"

// AppendQuery appends a simple-protocol Query.
func AppendQuery(dst []byte, sql string) []byte {
	dst, start := beginMsg(dst, MsgQuery)
	dst = appendCString(dst, sql)
	return finishMsg(dst, start)
}

// AppendSync appends Sync.
func AppendSync(dst []byte) []byte {
	return append(dst, MsgSync, 0, 0, 0, 4)
}

// AppendCancelRequest appends a CancelRequest (untyped startup packet).
// key is 4 bytes for protocol 3.0 and up to MaxCancelKeyLen bytes for 3.2.
func AppendCancelRequest(dst []byte, pid uint32, key []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(12+len(key)))
	dst = binary.BigEndian.AppendUint32(dst, codeCancel)
	dst = binary.BigEndian.AppendUint32(dst, pid)
	return append(dst, key...)
}

// AppendSSLRequest appends an SSLRequest.
func AppendSSLRequest(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, startupHead)
	return binary.BigEndian.AppendUint32(dst, codeSSL)
}

// AppendStartupMessage appends a StartupMessage for protocol major.minor
// with params in order, then the final terminator.
func AppendStartupMessage(dst []byte, major, minor uint16, params ...Param) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(major)<<16|uint32(minor))
	for _, p := range params {
		dst = appendCString(dst, p.Name)
		dst = appendCString(dst, p.Value)
	}
	dst = append(dst, 0)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start))
	return dst
}

// AppendParse appends a Parse of query under name (empty: the unnamed
// statement). types is the rest of a Parse body after the query: the
// int16 count of parameter types and the type OIDs, copied as they are.
func AppendParse(dst []byte, name string, query, types []byte) []byte {
	dst, start := beginMsg(dst, MsgParse)
	dst = appendCString(dst, name)
	dst = append(dst, query...)
	dst = append(dst, 0)
	dst = append(dst, types...)
	return finishMsg(dst, start)
}

// AppendClose appends a Close of a statement (kind 'S') or portal ('P').
func AppendClose(dst []byte, kind byte, name string) []byte {
	dst, start := beginMsg(dst, MsgClose)
	dst = append(dst, kind)
	dst = appendCString(dst, name)
	return finishMsg(dst, start)
}

// AppendRenamed appends a copy of frame, a whole Bind, Describe, Close or
// Parse frame, whose body holds a NUL-terminated name at offset nameAt,
// with that name replaced by name.
func AppendRenamed(dst, frame []byte, nameAt int, name string) []byte {
	body := frame[HeaderLen:]
	end := nameAt
	for end < len(body) && body[end] != 0 {
		end++
	}
	dst, start := beginMsg(dst, frame[0])
	dst = append(dst, body[:nameAt]...)
	dst = appendCString(dst, name)
	if end < len(body) {
		dst = append(dst, body[end+1:]...)
	}
	return finishMsg(dst, start)
}

// BeginQuery starts a Query whose SQL the caller appends; FinishQuery ends
// it. start is where the message begins in dst.
func BeginQuery(dst []byte) (out []byte, start int) { return beginMsg(dst, MsgQuery) }

// FinishQuery appends the Query's terminating NUL and back-patches the
// length of the Query begun at start.
func FinishQuery(dst []byte, start int) []byte { return finishMsg(append(dst, 0), start) }
