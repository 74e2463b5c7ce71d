// level.go holds the classification of a captured transaction as DML or DDL, for a mirror's level setting.
package mirror

import (
	"encoding/binary"

	"github.com/pgdogd/pgdogd/codec"
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

// Classify reads the SQL of the Query and Parse frames in a capture buffer.
func Classify(buf []byte) Kind {
	var k Kind
	for {
		_, req, n, ok := NextRecord(buf)
		if !ok {
			break
		}
		buf = buf[n:]
		for off := 0; off+codec.HeaderLen <= len(req); {
			size := 1 + int(binary.BigEndian.Uint32(req[off+1:off+5]))
			if off+size > len(req) {
				break
			}
			body := req[off+5 : off+size]
			switch req[off] {
			case codec.MsgQuery:
				k |= classifySQL(body)
			case codec.MsgParse:
				for i, b := range body { // skip the statement name
					if b == 0 {
						k |= classifySQL(body[i+1:])
						break
					}
				}
			}
			off += size
		}
	}
	if k == 0 {
		k = KindDML
	}
	return k
}

// classifySQL looks at the first keyword after white space and comments.
func classifySQL(sql []byte) Kind {
	i := 0
	for i < len(sql) {
		switch {
		case sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' || sql[i] == '(':
			i++
		case i+1 < len(sql) && sql[i] == '-' && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case i+1 < len(sql) && sql[i] == '/' && sql[i+1] == '*':
			for i+1 < len(sql) && !(sql[i] == '*' && sql[i+1] == '/') {
				i++
			}
			i += 2
		default:
			for _, w := range ddlWords {
				if hasWordFold(sql[i:], w) {
					return KindDDL
				}
			}
			return KindDML
		}
	}
	return 0
}

func hasWordFold(s []byte, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for j := 0; j < len(w); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != w[j] {
			return false
		}
	}
	return len(s) == len(w) || !isIdent(s[len(w)])
}

func isIdent(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}
