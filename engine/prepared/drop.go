// drop.go holds the reading of statements that drop prepared statements: DEALLOCATE and DISCARD ALL.

package prepared

import (
	"strconv"

	"github.com/pgdogd/pgdogd/codec/sqlscan"
)

// A client's DEALLOCATE name cannot reach the server as it is (the server
// knows the statement under a shared name), nor as DEALLOCATE of the shared
// name (other clients use it, and a client may have two names for it). It
// is sent as DEALLOCATE of a placeholder that pgdogd prepares just before,
// so PostgreSQL answers it (DEALLOCATE, or 25P02 in a failed transaction)
// and the shared statement stays. DEALLOCATE ALL and DISCARD ALL do reach
// the server and empty its view. A client's names go from its view when the
// statement is sent, and come back if PostgreSQL refuses it (no
// CommandComplete before its ReadyForQuery; see link.dropDone).

// Placeholder is the name of the i-th DEALLOCATE placeholder of a request.
func Placeholder(i int) string { return Prefix + "d" + strconv.Itoa(i) }

// Dropping is what a statement's text drops when it runs.
type Dropping struct {
	All     bool // DEALLOCATE ALL or DISCARD ALL: every statement of the server
	Discard bool // DISCARD ALL, which PostgreSQL refuses inside a transaction block
	ID      int  // DEALLOCATE of a shared name typed by a client: that statement
	Named   bool // DEALLOCATE of a client's name, sent as DEALLOCATE of placeholder 0
}

// DroppingOf reads a statement's text (one statement, as a Parse holds).
func DroppingOf(query []byte) Dropping {
	if !MayDrop(query) {
		return Dropping{}
	}
	d, ok := sqlscan.ParseDrop(query)
	switch {
	case !ok:
		return Dropping{}
	case d.All:
		return Dropping{All: true, Discard: d.Discard}
	}
	name := d.Name(nil, query)
	if string(name) == Placeholder(0) {
		return Dropping{Named: true}
	}
	id, _ := ID(name)
	return Dropping{ID: id}
}

// MayDrop is a cheap first look at SQL text: could it hold DEALLOCATE or
// DISCARD? Only then is it scanned.
func MayDrop(sql []byte) bool {
	for i := 0; i+7 <= len(sql); i++ {
		if c := sql[i] | 0x20; c == 'd' && (sqlscan.HasPrefixFold(sql[i:], "dealloc") || sqlscan.HasPrefixFold(sql[i:], "discard")) {
			return true
		}
	}
	return false
}

// DropTag reports whether a CommandComplete body is the tag of a statement
// that drops prepared statements: DEALLOCATE, DEALLOCATE ALL, DISCARD ALL.
func DropTag(body []byte) bool {
	return sqlscan.HasPrefixFold(body, "deallocate") || sqlscan.HasPrefixFold(body, "discard all")
}

// CountStatements counts the statements of a query text, up to 2.
func CountStatements(sql []byte) int {
	stmts := sqlscan.Split(sql)
	n := 0
	for n < 2 {
		if _, _, ok := stmts.Next(); !ok {
			break
		}
		n++
	}
	return n
}
