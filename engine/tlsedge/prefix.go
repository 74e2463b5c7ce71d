// prefix.go holds a connection that first returns bytes already read from it.

package tlsedge

import "net"

// Prefixed returns c, reading first the bytes in head (copied): an event
// loop read the start of a direct TLS handshake before handing c over.
func Prefixed(c net.Conn, head []byte) net.Conn {
	if len(head) == 0 {
		return c
	}
	return &prefixConn{Conn: c, head: append([]byte(nil), head...)}
}

type prefixConn struct {
	net.Conn
	head []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}
