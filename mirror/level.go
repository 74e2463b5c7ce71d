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
	var w codec.Walker // streams every frame: only first pieces are read
	for {
		_, req, n, ok := NextRecord(buf)
		if !ok {
			break
		}
		buf = buf[n:]
		for off := 0; off < len(req); {
			p, err := w.Next(req[off:])
			if err != nil || len(p.Bytes) == 0 {
				return k | KindDML
			}
			off += len(p.Bytes)
			if p.First {
				k |= classifyFrame(p.Type, p.Bytes[min(codec.HeaderLen, len(p.Bytes)):])
			}
		}
	}
	if k == 0 {
		k = KindDML
	}
	return k
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
