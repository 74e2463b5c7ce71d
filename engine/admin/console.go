// console.go holds the console's core: the command table, running a query's commands and encoding their answers.

package admin

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine"
)

// codeSystemError is the SQLSTATE of a command whose answer is incomplete.
const codeSystemError = "58000"

// Console answers the admin database's queries from an engine's Snapshot,
// acting through its Control.
type Console struct {
	snap    engine.Snapshot
	ctl     engine.Control
	history statsHistory
}

// New returns a console over an engine's read-only view and its controls.
func New(snap engine.Snapshot, ctl engine.Control) *Console {
	c := &Console{snap: snap, ctl: ctl}
	c.history.start = time.Now()
	return c
}

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
// so they may wait for the loops.
type adminCommand func(c *Console, args []string) (*resultSet, error)

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
func setParsed(c *Console, args []string) (*resultSet, error) {
	if err := c.ctl.Set(args[0], args[1]); err != nil {
		return nil, err
	}
	return &resultSet{tag: "SET"}, nil
}

// Answer parses a query and runs its commands in order, appending their
// answers to out (an answer with no ReadyForQuery). As PostgreSQL does with a simple Query, the whole text is parsed
// first: a syntax error anywhere is the only answer and no command runs.
// Then the first command that fails (an unknown setting, a bad value or
// database, a failed RELOAD) ends the query with its error, after the
// answers of the commands before it, whose effects stay.
func (c *Console) Answer(out []byte, query string) []byte {
	stmts, err := parseAdmin(query)
	if err != nil {
		return appendAdminError(out, err)
	}
	if len(stmts) == 0 {
		out, _ = (&pgproto3.EmptyQueryResponse{}).Encode(out)
		return out
	}
	for _, st := range stmts {
		rs, err := adminCommands[st.name].run(c, st.args)
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
	var ae *adminError
	var ee *engine.Error
	switch {
	case errors.As(err, &ae):
		code = ae.code
	case errors.As(err, &ee):
		code = ee.Code
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
