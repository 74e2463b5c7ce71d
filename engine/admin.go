// admin.go holds the admin console: a virtual database answering SHOW, SET, RELOAD and friends over simple queries.

package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
)

// Version is pgdogd's version, as SHOW VERSION reports it.
const Version = "0.1.0"

// SQLSTATEs only the console uses.
const (
	codeObjectInUse     = "55006"
	codeConfigFileError = "F0000"
	codeSystemError     = "58000"
)

// adminError is an error the console reports to its client with a SQLSTATE.
type adminError struct {
	code, msg string
}

func (e *adminError) Error() string { return e.msg }

func adminErrorf(code, format string, args ...any) error {
	return &adminError{code: code, msg: fmt.Sprintf(format, args...)}
}

// resultSet is a command's answer: columns and text rows, or just a tag.
type resultSet struct {
	cols []string
	rows [][]string
	tag  string
}

func (r *resultSet) add(vals ...any) {
	row := make([]string, len(vals))
	for i, v := range vals {
		row[i] = fmt.Sprint(v)
	}
	r.rows = append(r.rows, row)
}

// adminCommand runs one console command; args are its parsed arguments (see
// adminStmt). Commands run on their own goroutine, never on an event loop,
// so they may wait for the loops (see onLoops).
type adminCommand func(e *Engine, args []string) (*resultSet, error)

// adminSyntax is what a command takes after its words (see parseArgs).
type adminSyntax uint8

const (
	syntaxNone     adminSyntax = iota // nothing
	syntaxDatabase                    // an optional database name
	syntaxSet                         // key TO value, or key = value
)

// adminEntry is a console command and its syntax.
type adminEntry struct {
	run    adminCommand
	syntax adminSyntax
}

// adminCommands is the console's dispatch table, keyed by the command's
// words in lower case (at most adminMaxWords of them).
var adminCommands map[string]adminEntry

func init() {
	adminCommands = map[string]adminEntry{
		"show pools":    {showPools, syntaxNone},
		"show clients":  {showClients, syntaxNone},
		"show servers":  {showServers, syntaxNone},
		"show stats":    {showStats, syntaxNone},
		"show config":   {showConfig, syntaxNone},
		"show mirrors":  {showMirrors, syntaxNone},
		"show lists":    {showLists, syntaxNone},
		"show version":  {showVersion, syntaxNone},
		"show prepared": {showPrepared, syntaxNone},
		"set":           {setParsed, syntaxSet},
		"reload":        {adminReload, syntaxNone},
		"pause":         {adminPause, syntaxDatabase},
		"resume":        {adminResume, syntaxDatabase},
		"reconnect":     {adminReconnect, syntaxDatabase},
		"shutdown":      {adminShutdown, syntaxNone},
	}
}

// setParsed runs SET with the key and the value parseSet read, exactly as
// written once unquoted.
func setParsed(e *Engine, args []string) (*resultSet, error) {
	if err := e.Set(args[0], args[1]); err != nil {
		return nil, err
	}
	return &resultSet{tag: "SET"}, nil
}

// adminSessions tracks the console sessions that have a command running:
// their next messages wait in gnet's buffer until the answer is written.
type adminSessions struct {
	mu   sync.Mutex
	busy map[*client]bool
}

func (a *adminSessions) isBusy(cl *client) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.busy[cl]
}

func (a *adminSessions) setBusy(cl *client, b bool) {
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
	if cl.e.adm.sessions.isBusy(cl) {
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
			cl.e.adm.sessions.setBusy(cl, true)
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

// answerAdmin runs a query's commands on the calling goroutine and writes
// the answer on the client's loop.
func (e *Engine) answerAdmin(cl *client, query string) {
	out := e.runAdmin(nil, query)
	out = codec.AppendReadyForQuery(out, 'I')
	ok := cl.loop.el.Execute(e.ctx(), gnet.RunnableFunc(func(_ context.Context) error {
		e.adm.sessions.setBusy(cl, false)
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
		e.adm.sessions.setBusy(cl, false) // the engine stopped
	}
}

// runAdmin parses a query and runs its commands in order, appending their
// answers. As PostgreSQL does with a simple Query, the whole text is parsed
// first: a syntax error anywhere is the only answer and no command runs.
// Then the first command that fails (an unknown setting, a bad value or
// database, a failed RELOAD) ends the query with its error, after the
// answers of the commands before it, whose effects stay.
func (e *Engine) runAdmin(out []byte, query string) []byte {
	stmts, err := parseAdmin(query)
	if err != nil {
		return appendAdminError(out, err)
	}
	if len(stmts) == 0 {
		out, _ = (&pgproto3.EmptyQueryResponse{}).Encode(out)
		return out
	}
	for _, st := range stmts {
		rs, err := adminCommands[st.name].run(e, st.args)
		if err != nil {
			return appendAdminError(out, err)
		}
		out = appendResult(out, rs)
	}
	return out
}

// appendAdminError encodes err as an ErrorResponse with its SQLSTATE
// (syntax_error when it has none).
func appendAdminError(out []byte, err error) []byte {
	code := codec.CodeSyntaxError
	if ae, ok := err.(*adminError); ok {
		code = ae.code
	}
	return codec.AppendErrorResponse(out, "ERROR", code, err.Error())
}

// appendResult encodes a result set as RowDescription, DataRows and CommandComplete.
func appendResult(out []byte, rs *resultSet) []byte {
	if rs.cols != nil {
		rd := &pgproto3.RowDescription{}
		for _, c := range rs.cols {
			rd.Fields = append(rd.Fields, pgproto3.FieldDescription{Name: []byte(c), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1})
		}
		out, _ = rd.Encode(out)
		for _, row := range rs.rows {
			dr := &pgproto3.DataRow{}
			for _, v := range row {
				dr.Values = append(dr.Values, []byte(v))
			}
			out, _ = dr.Encode(out)
		}
		if rs.tag == "" {
			rs.tag = "SHOW"
		}
	}
	out, _ = (&pgproto3.CommandComplete{CommandTag: []byte(rs.tag)}).Encode(out)
	return out
}

// noArgs refuses arguments to a command that takes none.
func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return adminErrorf(codec.CodeSyntaxError, "%s takes no arguments, got %q", cmd, strings.Join(args, " "))
	}
	return nil
}
