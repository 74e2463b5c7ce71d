// pgmodel_test.go holds pgModel, a small PostgreSQL backend for the fuzzers: prepared statements, portals, transactions, DEALLOCATE and DISCARD ALL.

package engine

import (
	"bytes"
	"strings"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/engine/session"
)

// pgModel answers the frontend frames it is fed as PostgreSQL would, for
// the small SQL language of the fuzzers. Simplification: a simple Query
// does not drop the unnamed statement (PostgreSQL does).
type pgModel struct {
	named   map[string]string // prepared statements by name
	unnamed *string
	portal  *string // the unnamed portal's statement text
	// portalDone: the portal ran; executing it again does nothing.
	portalDone bool
	tx         byte
	skipping   bool   // an error happened: frames are skipped until Sync
	in         []byte // frames received, not complete yet
	failNext   bool   // the next statement run fails (an injected error)
	sent       bytes.Buffer
}

func newPGModel() *pgModel { return &pgModel{named: map[string]string{}, tx: codec.TxIdle} }

// pgError is an error the model answers with.
type pgError struct{ code, msg string }

// feed takes frontend bytes and returns the replies of the frames they complete.
func (m *pgModel) feed(b []byte) []byte {
	m.in = append(m.in, b...)
	m.sent.Reset()
	for {
		_, size, complete, err := codec.NextFrame(m.in, 0)
		if err != nil {
			panic("model: malformed frame: " + err.Error())
		}
		if !complete {
			break
		}
		m.frame(m.in[0], m.in[codec.HeaderLen:size])
		m.in = m.in[size:]
	}
	return bytes.Clone(m.sent.Bytes())
}

// pending reports whether frames wait to be answered (a part of one is buffered).
func (m *pgModel) pending() bool { return len(m.in) > 0 }

func (m *pgModel) reply(typ byte, parts ...[]byte) { m.sent.Write(frame(typ, parts...)) }

func (m *pgModel) fail(e *pgError) {
	m.sent.Write(codec.AppendErrorResponse(nil, "ERROR", e.code, e.msg))
	if m.tx == codec.TxInBlock {
		m.tx = codec.TxFailed
	}
}

// frame answers one frontend frame.
func (m *pgModel) frame(typ byte, body []byte) {
	if typ == codec.MsgSync {
		m.skipping = false
		if m.tx == codec.TxIdle {
			m.portal = nil
		}
		m.sent.Write(codec.AppendReadyForQuery(nil, m.tx))
		return
	}
	if m.skipping { // after an error, everything until Sync is ignored, a Query too
		return
	}
	switch typ {
	case codec.MsgQuery:
		m.query(string(bytes.TrimSuffix(body, []byte{0})))
		return
	case codec.MsgFlush:
		return
	}
	if e := m.extended(typ, body); e != nil {
		m.fail(e)
		m.skipping = true
	}
}

// extended answers Parse, Bind, Describe, Execute and Close.
func (m *pgModel) extended(typ byte, body []byte) *pgError {
	f := bytes.Split(body, []byte{0})
	switch typ {
	case codec.MsgParse:
		return m.parse(string(f[0]), string(f[1]))
	case codec.MsgBind:
		sql, e := m.statement(string(f[1]))
		if e == nil && m.tx == codec.TxFailed && !txControl(sql) {
			e = aborted
		}
		if e != nil {
			return e
		}
		m.portal, m.portalDone = &sql, false
		m.reply(codec.MsgBindComplete)
	case codec.MsgDescribe:
		if body[0] == 'S' {
			if _, e := m.statement(string(f[0][1:])); e != nil {
				return e
			}
			m.reply(codec.MsgParameterDescription, []byte{0, 0})
		} else if m.portal == nil {
			return &pgError{"34000", `portal "" does not exist`}
		}
		m.reply(codec.MsgNoData)
	case codec.MsgExecute:
		if m.portal == nil {
			return &pgError{"34000", `portal "" does not exist`}
		}
		if m.portalDone {
			m.reply(codec.MsgCommandComplete, cs("DONE")) // a portal runs once
			return nil
		}
		m.portalDone = true
		return m.run(*m.portal, false)
	case codec.MsgClose:
		if body[0] == 'S' && len(f[0]) > 1 {
			delete(m.named, string(f[0][1:]))
		} else if body[0] == 'S' {
			m.unnamed = nil
		}
		m.reply(codec.MsgCloseComplete)
	default:
		panic("model: unexpected frame " + string(rune(typ)))
	}
	return nil
}

var aborted = &pgError{"25P02", "current transaction is aborted, commands ignored until end of transaction block"}

// parse defines a statement. Its checks come in PostgreSQL's order: one
// statement, no aborted transaction (unless it ends it), valid SQL, and a
// name not taken.
func (m *pgModel) parse(name, sql string) *pgError {
	if name == "" {
		m.unnamed = nil
	}
	stmts := statements(sql)
	switch _, taken := m.named[name]; {
	case len(stmts) > 1:
		return &pgError{"42601", "cannot insert multiple commands into a prepared statement"}
	case len(stmts) == 1 && m.tx == codec.TxFailed && !txControl(sql):
		return aborted
	case !validSQL(sql):
		return &pgError{"42601", "syntax error"}
	case name != "" && taken:
		return &pgError{"42P05", `prepared statement "` + name + `" already exists`}
	}
	if name == "" {
		m.unnamed = &sql
	} else {
		m.named[name] = sql
	}
	m.reply(codec.MsgParseComplete)
	return nil
}

// statement finds a prepared statement's text.
func (m *pgModel) statement(name string) (string, *pgError) {
	if name == "" {
		if m.unnamed == nil {
			return "", &pgError{"26000", "unnamed prepared statement does not exist"}
		}
		return *m.unnamed, nil
	}
	sql, ok := m.named[name]
	if !ok {
		return "", &pgError{"26000", `prepared statement "` + name + `" does not exist`}
	}
	return sql, nil
}

// query runs a simple Query: each statement in turn until one fails.
func (m *pgModel) query(sql string) {
	m.portal = nil
	if m.ownQuery(sql) {
		m.sent.Write(codec.AppendReadyForQuery(nil, m.tx))
		return
	}
	stmts := statements(sql)
	if len(stmts) == 0 {
		m.reply(codec.MsgEmptyQueryResponse)
	}
	for _, s := range stmts {
		if e := m.run(s, len(stmts) > 1); e != nil {
			m.fail(e)
			break
		}
	}
	m.sent.Write(codec.AppendReadyForQuery(nil, m.tx))
}

// statements splits SQL text at semicolons (the fuzzers' SQL has none in literals).
func statements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func txControl(sql string) bool {
	w := strings.Fields(strings.ToLower(sql))
	return len(w) == 1 && (w[0] == "commit" || w[0] == "rollback" || w[0] == "end")
}

// validSQL reports whether the model can parse sql: every statement it runs.
func validSQL(sql string) bool {
	w := strings.Fields(strings.ToLower(sql))
	if len(w) == 0 {
		return true
	}
	switch w[0] {
	case "select":
		return len(w) == 2 && w[1] != "bogus"
	case "begin", "commit", "rollback", "end":
		return len(w) == 1
	case "discard":
		return len(w) == 2 && w[1] == "all"
	case "deallocate":
		if len(w) > 1 && w[1] == "prepare" {
			w = w[1:]
		}
		return len(w) == 2
	}
	return false
}

// ownQuery answers pgdogd's own queries about the session, as PostgreSQL
// does for a session with no settings and no state that pins: the settings
// read back (statement_timeout at its default, no session settings) and the
// pins query (0).
func (m *pgModel) ownQuery(sql string) bool {
	switch {
	case sql == session.SettingsQuery:
		m.reply(codec.MsgDataRow, []byte{0, 1, 0, 0, 0, 1}, []byte("0"))
		m.reply(codec.MsgCommandComplete, cs("SELECT 1"))
		m.reply(codec.MsgCommandComplete, cs("SET"))
		m.reply(codec.MsgCommandComplete, cs("SELECT 0"))
	case strings.Contains(sql, "pg_catalog.pg_listening_channels()"):
		m.reply(codec.MsgCommandComplete, cs("SET"))
		m.reply(codec.MsgDataRow, []byte{0, 1, 0, 0, 0, 1}, []byte("0"))
		m.reply(codec.MsgCommandComplete, cs("SELECT 1"))
	default:
		return false
	}
	return true
}

// run executes one statement.
func (m *pgModel) run(sql string, multi bool) *pgError {
	if m.failNext {
		m.failNext = false
		return &pgError{"XX000", "injected failure"}
	}
	if m.tx == codec.TxFailed && !txControl(sql) {
		return aborted
	}
	if !validSQL(sql) {
		return &pgError{"42703", `column "bogus" does not exist`}
	}
	w := strings.Fields(sql)
	if len(w) == 0 {
		m.reply(codec.MsgEmptyQueryResponse)
		return nil
	}
	switch strings.ToLower(w[0]) {
	case "select":
		m.reply(codec.MsgDataRow, []byte{0, 1, 0, 0, 0, 1}, []byte(w[1][:1]))
		m.reply(codec.MsgCommandComplete, cs("SELECT 1"))
	case "begin":
		m.tx = codec.TxInBlock
		m.reply(codec.MsgCommandComplete, cs("BEGIN"))
	case "commit", "end", "rollback":
		tag := "COMMIT"
		if m.tx == codec.TxFailed || strings.EqualFold(w[0], "rollback") {
			tag = "ROLLBACK"
		}
		m.tx = codec.TxIdle
		m.reply(codec.MsgCommandComplete, cs(tag))
	case "discard":
		if m.tx != codec.TxIdle || multi {
			return &pgError{"25001", "DISCARD ALL cannot run inside a transaction block"}
		}
		clear(m.named)
		m.portal = nil
		m.reply(codec.MsgCommandComplete, cs("DISCARD ALL"))
	default:
		return m.deallocate(w[len(w)-1])
	}
	return nil
}

// deallocate runs DEALLOCATE [PREPARE] name|ALL.
func (m *pgModel) deallocate(name string) *pgError {
	if strings.EqualFold(name, "all") {
		clear(m.named)
		m.reply(codec.MsgCommandComplete, cs("DEALLOCATE ALL"))
		return nil
	}
	if unq, ok := strings.CutPrefix(name, `"`); ok {
		name = strings.TrimSuffix(unq, `"`)
	} else {
		name = strings.ToLower(name)
	}
	if _, ok := m.named[name]; !ok {
		return &pgError{"26000", `prepared statement "` + name + `" does not exist`}
	}
	delete(m.named, name)
	m.reply(codec.MsgCommandComplete, cs("DEALLOCATE"))
	return nil
}

// errorCode returns the SQLSTATE of an ErrorResponse frame.
func errorCode(f []byte) string {
	_, code, _ := codec.ErrorFields(f[codec.HeaderLen:])
	return string(code)
}

// normalize rewrites a reply stream for comparison: an ErrorResponse keeps
// only its SQLSTATE (its message may name a shared statement), or nothing
// without codes.
func normalize(frames [][]byte, codes bool) []byte {
	var out []byte
	for _, f := range frames {
		if f[0] == codec.MsgErrorResponse && codes {
			f = frame('E', []byte(errorCode(f)))
		} else if f[0] == codec.MsgErrorResponse {
			f = frame('E')
		}
		out = append(out, f...)
	}
	return out
}
