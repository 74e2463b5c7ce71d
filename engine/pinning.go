// pinning.go holds the pinning of a client to its server in transaction mode while the server holds session state that cannot move (engine/session knows the kinds).

package engine

import (
	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/session"
)

// askPins asks the server which kinds of session state it holds, when its
// client's transaction has ended.
func (s *server) askPins() {
	s.loop.scratch = codec.AppendQuery(s.loop.scratch[:0], session.PinQuery(s.pool.cfg.serverUser))
	_, _ = s.conn.Write(s.loop.scratch)
	s.l.rd.SetWhole(serverWholeSnapshot)
	s.l.sentPins()
}

// pinRow reads the answer to pinQuery: the client is pinned by what is left.
func (s *server) pinRow(cl *client, body []byte) {
	s.pins = 0
	var n int
	if len(body) >= 6 && body[0] == 0 && body[1] == 1 {
		for _, c := range body[6:] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
	}
	s.pins = uint8(n)
	if cl != nil {
		cl.pin(s.pins)
	}
}

// pin sets the kinds of session state that keep the client on its server.
func (cl *client) pin(pins uint8) {
	if !cl.e.cfg.Load().General.PinSessionState {
		pins = 0
	}
	for k := range session.NumPins {
		if pins&(1<<k) != 0 && cl.pins&(1<<k) == 0 {
			cl.e.stats.pins[k].Add(1)
		}
	}
	cl.pins = pins
}
