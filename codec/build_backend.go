// Builders for the backend messages the proxy sends to its clients.

package codec

import "encoding/binary"

// AppendErrorResponse appends an ErrorResponse with fields S and V (both
// severity), C (SQLSTATE) and M (message).
func AppendErrorResponse(dst []byte, severity, code, message string) []byte {
	dst, start := beginMsg(dst, MsgErrorResponse)
	dst = appendField(dst, 'S', severity)
	dst = appendField(dst, 'V', severity)
	dst = appendField(dst, 'C', code)
	dst = appendField(dst, 'M', message)
	return finishMsg(append(dst, 0), start)
}

// AppendReadyForQuery appends ReadyForQuery with a transaction status
// (TxIdle, TxInBlock or TxFailed).
func AppendReadyForQuery(dst []byte, status byte) []byte {
	return append(dst, MsgReadyForQuery, 0, 0, 0, 5, status)
}

// AppendParameterStatus appends ParameterStatus name=value.
func AppendParameterStatus(dst []byte, name, value string) []byte {
	dst, start := beginMsg(dst, MsgParameterStatus)
	dst = appendCString(dst, name)
	dst = appendCString(dst, value)
	return finishMsg(dst, start)
}

// AppendBackendKeyData appends BackendKeyData. key is 4 bytes for protocol
// 3.0 clients and up to MaxCancelKeyLen bytes for 3.2.
func AppendBackendKeyData(dst []byte, pid uint32, key []byte) []byte {
	dst, start := beginMsg(dst, MsgBackendKeyData)
	dst = binary.BigEndian.AppendUint32(dst, pid)
	dst = append(dst, key...)
	return finishMsg(dst, start)
}

// AppendAuthOK appends AuthenticationOk.
func AppendAuthOK(dst []byte) []byte {
	return binary.BigEndian.AppendUint32(append(dst, MsgAuthentication, 0, 0, 0, 8), AuthOK)
}

// AppendNegotiateProtocolVersion appends NegotiateProtocolVersion.
//
// newestMinor is the newest minor version supported (0 or LatestMinor). On
// the wire PostgreSQL and libpq carry it as a whole version number
// (3<<16 | minor), so that is what is written; a value of 1<<16 or more is
// taken as a whole version number already and written unchanged.
// unrecognized lists the "_pq_." options not understood.
func AppendNegotiateProtocolVersion(dst []byte, newestMinor uint32, unrecognized []string) []byte {
	version := newestMinor
	if version < 1<<16 {
		version |= 3 << 16
	}
	dst, start := beginMsg(dst, MsgNegotiateProtocolVersion)
	dst = binary.BigEndian.AppendUint32(dst, version)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(unrecognized)))
	for _, opt := range unrecognized {
		dst = appendCString(dst, opt)
	}
	return finishMsg(dst, start)
}

// AppendParseComplete appends ParseComplete.
func AppendParseComplete(dst []byte) []byte {
	return append(dst, MsgParseComplete, 0, 0, 0, 4)
}

// AppendNoticeMapped appends a copy of frame, a whole ErrorResponse or
// NoticeResponse, whose field values each pass through value: it appends
// the field's new value (without the NUL) to dst and returns it.
func AppendNoticeMapped(dst, frame []byte, value func(dst []byte, field byte, v []byte) []byte) []byte {
	dst, start := beginMsg(dst, frame[0])
	body := frame[HeaderLen:]
	for len(body) > 0 && body[0] != 0 {
		end := 1
		for end < len(body) && body[end] != 0 {
			end++
		}
		dst = append(dst, body[0])
		dst = value(dst, body[0], body[1:end])
		dst = append(dst, 0)
		if end == len(body) {
			break
		}
		body = body[end+1:]
	}
	return finishMsg(append(dst, 0), start)
}
