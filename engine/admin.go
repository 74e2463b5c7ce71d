// admin.go holds the admin console: a virtual database answering SHOW, SET, RELOAD and friends over simple queries.
package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/panjf2000/gnet/v2"

	"github.com/pgdogd/pgdogd/codec"
)

// Version is pgdogd's version, as SHOW VERSION reports it.
const Version = "0.1.0"

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

// adminCommand runs one console command; args are the words after its name.
type adminCommand func(e *Engine, args []string) (*resultSet, error)

// adminCommands is the console's dispatch table, keyed by the command's leading words.
var adminCommands map[string]adminCommand

func init() {
	adminCommands = map[string]adminCommand{
		"show mirrors": showMirrors,
		"show pools":   showPools,
		"show version": showVersion,
		"show config":  showConfig,
		"set":          adminSet,
		"reload":       adminReload,
		"shutdown":     adminShutdown,
	}
}

// readAdmin is the console's protocol switch: simple queries only.
func (cl *client) readAdmin() gnet.Action {
	buf, _ := cl.conn.Peek(-1)
	off := 0
	out := cl.loop.scratch[:0]
	for off < len(buf) {
		typ, size, complete, err := codec.NextFrame(buf[off:], maxAuthMessage)
		if err != nil {
			return cl.violation(fmt.Sprintf("invalid message length: %v", err))
		}
		if !complete {
			break
		}
		body := buf[off+codec.HeaderLen : off+size]
		off += size
		switch typ {
		case codec.MsgQuery:
			// A command: run it and answer.
			out = cl.e.runAdmin(out, strings.TrimRight(string(body), "\x00"))
			out = codec.AppendReadyForQuery(out, 'I')
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
	_, _ = cl.conn.Discard(off)
	_, _ = cl.conn.Write(out)
	cl.loop.scratch = out[:0]
	return gnet.None
}

// runAdmin runs every ';'-separated command of a query and appends the answers.
func (e *Engine) runAdmin(out []byte, query string) []byte {
	ran := false
	for _, stmt := range strings.Split(query, ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		ran = true
		rs, err := e.dispatchAdmin(stmt)
		if err != nil {
			code := codec.CodeSyntaxError
			if ae, ok := err.(*adminError); ok {
				code = ae.code
			}
			return codec.AppendErrorResponse(out, "ERROR", code, err.Error())
		}
		out = appendResult(out, rs)
	}
	if !ran {
		out, _ = (&pgproto3.EmptyQueryResponse{}).Encode(out)
	}
	return out
}

// dispatchAdmin finds a command by its longest matching leading words.
func (e *Engine) dispatchAdmin(stmt string) (*resultSet, error) {
	words := strings.Fields(stmt)
	for n := min(len(words), 3); n >= 1; n-- {
		key := strings.ToLower(strings.Join(words[:n], " "))
		if cmd, ok := adminCommands[key]; ok {
			return cmd(e, words[n:])
		}
	}
	return nil, adminErrorf(codec.CodeSyntaxError, "unknown admin command: %s", stmt)
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

func showVersion(_ *Engine, _ []string) (*resultSet, error) {
	rs := &resultSet{cols: []string{"version"}}
	rs.add("pgdogd " + Version)
	return rs, nil
}

func showMirrors(e *Engine, _ []string) (*resultSet, error) {
	rs := &resultSet{cols: []string{"database", "user", "destination", "total_count", "mirrored_count", "dropped_count", "error_count", "queue_length",
		"dropped_exposure", "dropped_queue_full", "dropped_too_large", "dropped_mirror_unavailable", "dropped_source_failed", "dropped_level",
		"exposure", "queue_capacity", "lag_ms", "lag_p50_ms", "lag_p99_ms"}}
	for _, p := range e.pools.Load().list {
		for _, d := range p.mirrors {
			st := &d.stats
			var dropped int64
			drops := make([]any, numDropReasons)
			for i := range st.dropped {
				n := st.dropped[i].Load()
				dropped += n
				drops[i] = n
			}
			row := []any{d.sourceDB, p.cfg.user, d.destDB, st.total.Load(), st.mirrored.Load(), dropped, st.errors.Load(), st.queued.Load()}
			row = append(row, drops...)
			row = append(row, strconv.FormatFloat(d.getExposure(), 'g', -1, 64), d.queueLen.Load(),
				ms(st.lagNanos.Load()), ms(int64(st.lag.quantile(0.5))), ms(int64(st.lag.quantile(0.99))))
			rs.add(row...)
		}
	}
	return rs, nil
}

func ms(nanos int64) string { return strconv.FormatFloat(float64(nanos)/1e6, 'f', 3, 64) }

func showPools(e *Engine, _ []string) (*resultSet, error) {
	rs := &resultSet{cols: []string{"database", "user", "addr", "port", "sv_idle", "sv_total", "cl_waiting", "pool_mode"}}
	for _, p := range e.pools.Load().list {
		idle, total, waiting := p.counts()
		rs.add(p.cfg.database, p.cfg.user, p.cfg.host, p.cfg.port, idle, total, waiting, p.cfg.mode)
	}
	return rs, nil
}

func showConfig(e *Engine, _ []string) (*resultSet, error) {
	g := e.cfg.Load().General
	rs := &resultSet{cols: []string{"key", "value"}}
	for _, k := range runtimeKeys() {
		rs.add(k, e.runtimeValue(k, &g))
	}
	return rs, nil
}

func adminReload(e *Engine, _ []string) (*resultSet, error) {
	if err := e.Reload(); err != nil {
		return nil, adminErrorf(codec.CodeInvalidParameterValue, "%v", err)
	}
	return &resultSet{tag: "RELOAD"}, nil
}

func adminShutdown(e *Engine, _ []string) (*resultSet, error) {
	go func() { _ = e.Shutdown(e.ctx()) }()
	return &resultSet{tag: "SHUTDOWN"}, nil
}
