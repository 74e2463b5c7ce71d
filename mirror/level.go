// level.go holds the classification of a captured transaction as DML or DDL, for a mirror's level setting.

package mirror

import (
	"bytes"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// Kind says what a transaction's statements do.
type Kind uint8

const (
	KindDML Kind = 1 << iota // reads or writes data
	KindDDL                  // changes the schema or privileges
)

// Matches reports whether a mirror with the given level ("all", "dml", "ddl")
// replays a transaction of this kind. A transaction with both goes to both.
func (k Kind) Matches(level string) bool {
	switch level {
	case "dml":
		return k&KindDDL == 0
	case "ddl":
		return k&KindDDL != 0
	}
	return true
}

// ddlWords are the first keywords of statements that change the schema.
var ddlWords = []string{"create", "alter", "drop", "truncate", "comment", "grant", "revoke", "reindex", "cluster", "vacuum", "analyze", "refresh"}

// Classify reads the SQL of the Query and Parse frames in a capture
// buffer: every statement of a Query counts. A frame that spans requests
// is classified by the part the first request holds.
func Classify(buf []byte) Kind {
	var k Kind
	if !eachFrame(buf, func(typ byte, body []byte, _ bool) bool { k |= classifyFrame(typ, body); return true }) {
		return k | KindDML
	}
	if k == 0 {
		k = KindDML
	}
	return k
}

// eachFrame calls fn with the type and the start of the body (what the first request holds
// of it; whole tells whether that is all of it) of each frame of a capture buffer's records,
// in order, until fn returns false. It returns false when the records do not hold frames.
func eachFrame(buf []byte, fn func(typ byte, body []byte, whole bool) bool) bool {
	var w codec.Walker // streams every frame: only first pieces are read
	for {
		_, req, n, ok := NextRecord(buf)
		if !ok {
			return true
		}
		buf = buf[n:]
		for off := 0; off < len(req); {
			p, err := w.Next(req[off:])
			if err != nil || len(p.Bytes) == 0 {
				return false
			}
			off += len(p.Bytes)
			if p.First && !fn(p.Type, p.Bytes[min(codec.HeaderLen, len(p.Bytes)):], p.Last) {
				return true
			}
		}
	}
}

// classifyFrame classifies a Query's or Parse's body, or the start of it.
func classifyFrame(typ byte, body []byte) Kind {
	switch typ {
	case codec.MsgQuery:
		return classifySQL(body)
	case codec.MsgParse:
		if i := bytes.IndexByte(body, 0); i >= 0 { // skip the statement name
			return classifySQL(body[i+1:])
		}
	}
	return 0
}

// classifySQL classifies each statement by its first keyword.
func classifySQL(sql []byte) Kind {
	var k Kind
	stmts := sqlscan.Split(sql)
	for {
		stmt, _, ok := stmts.Next()
		if !ok {
			return k
		}
		t, ok := sqlscan.FirstKeyword(stmt)
		if !ok {
			continue
		}
		kind := KindDML
		for _, w := range ddlWords {
			if t.Is(stmt, w) {
				kind = KindDDL
				break
			}
		}
		k |= kind
	}
}

// controlWords are the first keywords of the statements ReadOnly accepts besides
// those sqlscan.ReadOnly does: they manage the transaction or the session's settings,
// or show one, and write nothing a replay could leave behind.
var controlWords = []string{"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release",
	"set", "reset", "show"}

// ReadOnly reports whether every statement of the Query and Parse frames of a capture
// buffer only reads, as sqlscan.ReadOnly tells, or manages the transaction or the
// session's settings: a function of the user's that writes is not seen. A frame that
// spans requests makes the buffer not read-only.
func ReadOnly(buf []byte) bool {
	read := true
	valid := eachFrame(buf, func(typ byte, body []byte, whole bool) bool {
		read = whole && readFrame(typ, body)
		return read
	})
	return valid && read
}

// readFrame reports whether a frame's statements only read.
func readFrame(typ byte, body []byte) bool {
	switch typ {
	case codec.MsgQuery:
		return readSQL(body)
	case codec.MsgParse:
		if i := bytes.IndexByte(body, 0); i >= 0 {
			return readSQL(body[i+1:])
		}
		return false
	case codec.MsgFunctionCall, codec.MsgCopyData:
		return false
	}
	return true
}

// readSQL reports whether each statement of sql only reads (sqlscan.ReadOnly) or starts
// with a word of controlWords, save COMMIT PREPARED and ROLLBACK PREPARED, which end
// another transaction.
func readSQL(sql []byte) bool {
	stmts := sqlscan.Split(sql)
	for {
		stmt, _, ok := stmts.Next()
		if !ok {
			return true
		}
		toks := sqlscan.Tokenize(stmt)
		t, _ := toks.Next()
		if !isOneOf(stmt, t, controlWords) {
			if !sqlscan.ReadOnly(stmt) {
				return false
			}
			continue
		}
		if next, _ := toks.Next(); next.Is(stmt, "prepared") {
			return false
		}
	}
}

// isOneOf reports whether t is one of words.
func isOneOf(stmt []byte, t sqlscan.Token, words []string) bool {
	for _, w := range words {
		if t.Is(stmt, w) {
			return true
		}
	}
	return false
}
