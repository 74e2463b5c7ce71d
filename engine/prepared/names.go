// names.go holds the server-side names of shared statements and the reading of Parse bodies.

package prepared

import "strconv"

// Prefix starts every name pgdogd gives statements on servers; no client's
// statement may use it.
const Prefix = "__pgdogd_"

// Name is the server-side name of statement id.
func Name(id int) string { return Prefix + strconv.Itoa(id) }

// ID reads N from "__pgdogd_N".
func ID(name []byte) (int, bool) {
	if len(name) <= len(Prefix) || len(name) > len(Prefix)+15 || string(name[:len(Prefix)]) != Prefix {
		return 0, false
	}
	n := 0
	for _, ch := range name[len(Prefix):] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// CString splits a NUL-terminated string off the front of b.
func CString(b []byte) (s, rest []byte, ok bool) {
	for i, ch := range b {
		if ch == 0 {
			return b[:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// ParseBody reads a Parse body: statement name, query, and the rest (parameter types).
func ParseBody(body []byte) (name, query, types []byte, ok bool) {
	name, rest, ok := CString(body)
	if !ok {
		return nil, nil, nil, false
	}
	query, types, ok = CString(rest)
	return name, query, types, ok
}
