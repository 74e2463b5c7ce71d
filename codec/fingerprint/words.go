// words.go holds the keywords the rules look for, read case-insensitively without allocating.

package fingerprint

// word is a keyword the rules act on; the zero word is any other token.
type word uint8

const (
	wNone word = iota
	wAbort
	wAll
	wAny
	wAs
	wBegin
	wCast
	wClose
	wCommit
	wDeallocate
	wDeclare
	wDefault
	wDistinct
	wEnd
	wExecute
	wFalse
	wFrom
	wIn
	wIs
	wLocal
	wNot
	wNull
	wPrepare
	wRelease
	wRollback
	wSavepoint
	wSession
	wSet
	wSome
	wStart
	wTime
	wTo
	wTransaction
	wTrue
	wUnknown
	wWork
	wZone
)

var words = map[string]word{
	"abort": wAbort, "all": wAll, "any": wAny, "as": wAs, "begin": wBegin,
	"cast": wCast, "close": wClose, "commit": wCommit, "deallocate": wDeallocate,
	"declare": wDeclare, "default": wDefault, "distinct": wDistinct, "end": wEnd,
	"execute": wExecute, "false": wFalse, "from": wFrom, "in": wIn, "is": wIs,
	"local": wLocal, "not": wNot, "null": wNull, "prepare": wPrepare,
	"release": wRelease, "rollback": wRollback, "savepoint": wSavepoint,
	"session": wSession, "set": wSet, "some": wSome, "start": wStart,
	"time": wTime, "to": wTo, "transaction": wTransaction, "true": wTrue,
	"unknown": wUnknown, "work": wWork, "zone": wZone,
}

// typeWords are the type names that make a typed literal of the string
// after them (date '2024-01-01'), which libpg_query fingerprints as the
// constant alone.
var typeWords = map[string]bool{
	"bigint": true, "bool": true, "boolean": true, "bpchar": true, "bytea": true,
	"char": true, "cidr": true, "date": true, "decimal": true, "float": true,
	"float4": true, "float8": true, "inet": true, "int": true, "int2": true,
	"int4": true, "int8": true, "integer": true, "interval": true, "json": true,
	"jsonb": true, "macaddr": true, "money": true, "numeric": true, "oid": true,
	"real": true, "regclass": true, "regproc": true, "regtype": true,
	"smallint": true, "text": true, "time": true, "timestamp": true,
	"timestamptz": true, "timetz": true, "uuid": true, "varchar": true, "xml": true,
}

// exprWords are the keywords after which a "-" is a sign, not a
// subtraction: those an expression can directly follow.
var exprWords = map[string]bool{
	"and": true, "between": true, "by": true, "case": true, "default": true,
	"distinct": true, "else": true, "having": true, "ilike": true, "in": true,
	"like": true, "limit": true, "not": true, "offset": true, "on": true,
	"or": true, "return": true, "returning": true, "select": true, "then": true,
	"when": true, "where": true, "fetch": true, "first": true, "next": true,
	"all": true, "any": true, "some": true, "is": true, "as": true, "to": true,
	"values": true, "set": true, "array": true, "escape": true, "similar": true,
}

// listWords are the keywords a comma-separated list follows.
var listWords = map[string]bool{"by": true, "returning": true, "select": true, "values": true}

// maxWord is the longest word the tables above hold.
const maxWord = 16

// folded copies the word b, lower-cased, into buf and returns it; ok is
// false when b is too long to be any word of the tables.
func folded(b []byte, buf *[maxWord]byte) ([]byte, bool) {
	if len(b) > maxWord {
		return nil, false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(b)], true
}

// keyword returns the word b is, or wNone.
func keyword(b []byte) word {
	var buf [maxWord]byte
	f, ok := folded(b, &buf)
	if !ok {
		return wNone
	}
	return words[string(f)]
}

// isTypeWord reports whether b is one of typeWords.
func isTypeWord(b []byte) bool {
	var buf [maxWord]byte
	f, ok := folded(b, &buf)
	return ok && typeWords[string(f)]
}

// isExprWord reports whether b is one of exprWords.
func isExprWord(b []byte) bool {
	var buf [maxWord]byte
	f, ok := folded(b, &buf)
	return ok && exprWords[string(f)]
}

// isListWord reports whether b is one of listWords.
func isListWord(b []byte) bool {
	var buf [maxWord]byte
	f, ok := folded(b, &buf)
	return ok && listWords[string(f)]
}
