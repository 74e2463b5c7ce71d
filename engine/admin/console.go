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
	syntaxColumns                     // an optional list of column names
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
		"show pools":               {showPools, syntaxNone},
		"show clients":             {showClients, syntaxColumns},
		"show servers":             {showServers, syntaxColumns},
		"show stats":               {showStats, syntaxNone},
		"show config":              {showConfig, syntaxNone},
		"show mirrors":             {showMirrors, syntaxNone},
		"show mirror queries":      {showMirrorQueries, syntaxNone},
		"show mirror errors":       {showMirrorErrors, syntaxNone},
		"reset mirror stats":       {resetMirrorStats, syntaxNone},
		"show lists":               {showLists, syntaxNone},
		"show version":             {showVersion, syntaxNone},
		"show prepared":            {showPrepared, syntaxNone},
		"show prepared statements": {showPrepared, syntaxNone}, // PgDog's name for it
		"set":                      {setParsed, syntaxSet},
		"reload":                   {adminReload, syntaxNone},
		"pause":                    {adminPause, syntaxDatabase},
		"resume":                   {adminResume, syntaxDatabase},
		"reconnect":                {adminReconnect, syntaxDatabase},
		"shutdown":                 {adminShutdown, syntaxNone},
	}
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

// noArgs refuses arguments to a command that takes none.
func noArgs(cmd string, args []string) error {
	if len(args) > 0 {
		return adminErrorf(codec.CodeSyntaxError, "%s takes no arguments, got %q", cmd, strings.Join(args, " "))
	}
	return nil
}
