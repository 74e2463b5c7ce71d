// console.go holds the admin database's connection side: reading a console client's queries on its loop and writing the answers the Console computes.

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
)

// Version is pgdogd's version, as SHOW VERSION and server_version report it.
const Version = "0.1.0"

// Console answers the admin database's simple queries (engine/admin
// implements it on the engine's Snapshot and Control).
type Console interface {
	// Answer appends to out the answer to one query, without ReadyForQuery.
	// It runs on its own goroutine, never on a loop, and may block.
	Answer(out []byte, query string) []byte
}

// SetConsole installs the admin console; before it is set, queries to the
// admin database get an error. Call it before Run.
func (e *Engine) SetConsole(c Console) { e.console = c }

// noConsole answers when no console is installed.
type noConsole struct{}

func (noConsole) Answer(out []byte, _ string) []byte {
	return codec.AppendErrorResponse(out, "ERROR", codec.CodeFeatureNotSupported, "the admin console is not available")
}

// consoleSessions tracks the console sessions that have a command running:
// their next messages wait in gnet's buffer until the answer is written.
type consoleSessions struct {
	mu   sync.Mutex
	busy map[*client]bool
}

func (a *consoleSessions) isBusy(cl *client) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.busy[cl]
}

func (a *consoleSessions) setBusy(cl *client, b bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.busy == nil {
		a.busy = map[*client]bool{}
	}
	if b {
		a.busy[cl] = true
	} else {
		delete(a.busy, cl)
	}
}

// maxAdminBuffered bounds what a console client may send while a command runs.
const maxAdminBuffered = 1 << 20

// readAdmin is the console's protocol switch: simple queries only. A query
// is run on a goroutine (commands may wait for the loops, this one
// included); its answer is written from a task on this loop, which then
// reads what the client sent meanwhile.
func (cl *client) readAdmin() gnet.Action {
	if cl.e.sessions.isBusy(cl) {
		if cl.conn.InboundBuffered() > maxAdminBuffered {
			return cl.violation("too much data sent while an admin command runs")
		}
		return gnet.None
	}
	buf, _ := cl.conn.Peek(-1)
	off := 0
	out := cl.loop.scratch[:0]
	defer func() { cl.loop.scratch = out[:0] }()
	for off < len(buf) {
		p, err := cl.rd.Next(buf[off:])
		if err != nil {
			_, _ = cl.conn.Write(out)
			return cl.violation(fmt.Sprintf("invalid message length: %v", err))
		}
		if len(p.Bytes) == 0 {
			break
		}
		body := p.Body()
		off += p.Size
		switch typ := p.Type; typ {
		case codec.MsgQuery:
			// A command: run it off the loop; the rest waits for its answer.
			query := strings.TrimRight(string(body), "\x00")
			codec.Consume(cl.conn, off)
			_, _ = cl.conn.Write(out)
			cl.e.sessions.setBusy(cl, true)
			go cl.e.answerAdmin(cl, query)
			return gnet.None
		case codec.MsgSync:
			// The end of a refused extended-protocol exchange.
			out = codec.AppendReadyForQuery(out, 'I')
		case codec.MsgTerminate:
			// Goodbye.
			_, _ = cl.conn.Write(out)
			return gnet.Close
		default:
			// Anything else is refused with an error, once per message.
			out = codec.AppendErrorResponse(out, "ERROR", codec.CodeFeatureNotSupported, "the admin console supports the simple query protocol only")
		}
	}
	codec.Consume(cl.conn, off)
	_, _ = cl.conn.Write(out)
	return gnet.None
}

// answerAdmin runs a query on the calling goroutine and writes the answer
// on the client's loop.
func (e *Engine) answerAdmin(cl *client, query string) {
	con := e.console
	if con == nil {
		con = noConsole{}
	}
	out := con.Answer(nil, query)
	out = codec.AppendReadyForQuery(out, 'I')
	ok := cl.loop.el.Execute(context.Background(), gnet.RunnableFunc(func(_ context.Context) error {
		e.sessions.setBusy(cl, false)
		if cl.state != clAdmin {
			return nil // gone meanwhile
		}
		_, _ = cl.conn.Write(out)
		if cl.conn.InboundBuffered() > 0 && cl.readAdmin() == gnet.Close {
			_ = cl.conn.Close()
		}
		return nil
	}))
	if ok != nil {
		e.sessions.setBusy(cl, false) // the engine stopped
	}
}
