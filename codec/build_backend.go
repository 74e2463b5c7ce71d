// Builders for the backend messages the proxy sends to its clients.

package codec

import "encoding/binary"

// AppendErrorResponse appends an ErrorResponse with fields S and V (both
// severity), C (SQLSTATE) and M (message).
func AppendErrorResponse(dst []byte, severity, code, message string) []byte {
	return appendNotice(dst, MsgErrorResponse, severity, code, message, "")
}

// AppendErrorDetail is AppendErrorResponse with a D (detail) field.
func AppendErrorDetail(dst []byte, severity, code, message, detail string) []byte {
	return appendNotice(dst, MsgErrorResponse, severity, code, message, detail)
}

// AppendNoticeResponse appends a NoticeResponse with fields S, V, C and M.
func AppendNoticeResponse(dst []byte, severity, code, message string) []byte {
	return appendNotice(dst, MsgNoticeResponse, severity, code, message, "")
}

// appendNotice builds an ErrorResponse or NoticeResponse; an empty detail
// is left out.
func appendNotice(dst []byte, typ byte, severity, code, message, detail string) []byte {
	dst, start := beginMsg(dst, typ)
	dst = appendField(dst, 'S', severity)
	dst = appendField(dst, 'V', severity)
	dst = appendField(dst, 'C', code)
	dst = appendField(dst, 'M', message)
	if detail != "" {
		dst = appendField(dst, 'D', detail)
	}
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
	dst, start := appendAuth(dst, AuthOK)
	return finishMsg(dst, start)
}

// AppendAuthCleartext appends AuthenticationCleartextPassword.
func AppendAuthCleartext(dst []byte) []byte {
	dst, start := appendAuth(dst, AuthCleartextPassword)
	return finishMsg(dst, start)
}

// AppendAuthMD5 appends AuthenticationMD5Password with its salt.
func AppendAuthMD5(dst []byte, salt [4]byte) []byte {
	dst, start := appendAuth(dst, AuthMD5Password)
	dst = append(dst, salt[:]...)
	return finishMsg(dst, start)
}

// AppendAuthSASL appends AuthenticationSASL listing the mechanisms
// (e.g. "SCRAM-SHA-256").
func AppendAuthSASL(dst []byte, mechanisms ...string) []byte {
	dst, start := appendAuth(dst, AuthSASL)
	for _, m := range mechanisms {
		dst = appendCString(dst, m)
	}
	return finishMsg(append(dst, 0), start)
}

// AppendAuthSASLContinue appends AuthenticationSASLContinue carrying a
// server-first message.
func AppendAuthSASLContinue(dst []byte, data []byte) []byte {
	dst, start := appendAuth(dst, AuthSASLContinue)
	dst = append(dst, data...)
	return finishMsg(dst, start)
}

// AppendAuthSASLFinal appends AuthenticationSASLFinal carrying a
// server-final message.
func AppendAuthSASLFinal(dst []byte, data []byte) []byte {
	dst, start := appendAuth(dst, AuthSASLFinal)
	dst = append(dst, data...)
	return finishMsg(dst, start)
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
