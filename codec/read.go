// Zero-allocation readers for the few backend frames the proxy inspects.

package codec

import "bytes"

// ParameterStatusKV splits a ParameterStatus body (name\0value\0). The
// slices alias body and are valid as long as it is; ok is false when the
// body is malformed.
func ParameterStatusKV(body []byte) (name, value []byte, ok bool) {
	i := bytes.IndexByte(body, 0)
	if i < 0 {
		return nil, nil, false
	}
	rest := body[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j != len(rest)-1 {
		return nil, nil, false
	}
	return body[:i:i], rest[:j:j], true
}

// ErrorFields returns the severity, SQLSTATE and message of an
// ErrorResponse or NoticeResponse body. Severity is the non-localized V
// field when present, else S. Missing fields are nil; a malformed tail is
// ignored. The slices alias body and are valid as long as it is.
func ErrorFields(body []byte) (severity, code, message []byte) {
	var localized []byte
	for len(body) > 0 && body[0] != 0 {
		field := body[0]
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			break
		}
		value := body[1 : 1+end : 1+end]
		switch field {
		case 'V':
			severity = value
		case 'S':
			localized = value
		case 'C':
			code = value
		case 'M':
			message = value
		}
		body = body[2+end:]
	}
	if severity == nil {
		severity = localized
	}
	return severity, code, message
}

// ErrorField returns the value of one field (e.g. 'D' detail, 'H' hint) of
// an ErrorResponse or NoticeResponse body, or nil when absent. The slice
// aliases body and is valid as long as it is.
func ErrorField(body []byte, field byte) []byte {
	for len(body) > 0 && body[0] != 0 {
		end := bytes.IndexByte(body[1:], 0)
		if end < 0 {
			return nil
		}
		if body[0] == field {
			return body[1 : 1+end : 1+end]
		}
		body = body[2+end:]
	}
	return nil
}
