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
const maxWord = 11

// The flags of a word.
const (
	fType uint8 = 1 << iota // one of typeWords
	fExpr                   // one of exprWords
	fList                   // one of listWords
)

// info is what the tables say of a word.
type info struct {
	w     word
	flags uint8
}

// entry is a slot of table.
type entry struct {
	name string
	info info
}

// table holds every word of the tables above, by wordHash, with linear
// probing; it is filled once, at start-up, and only read after.
var table [512]entry

func init() {
	add := func(name string, w word, flags uint8) {
		i := wordHash([]byte(name))
		for table[i].name != "" && table[i].name != name {
			i = (i + 1) % uint32(len(table))
		}
		table[i].name = name
		table[i].info.w |= w
		table[i].info.flags |= flags
	}
	for name, w := range words {
		add(name, w, 0)
	}
	for name := range typeWords {
		add(name, wNone, fType)
	}
	for name := range exprWords {
		add(name, wNone, fExpr)
	}
	for name := range listWords {
		add(name, wNone, fList)
	}
}

// wordHash returns the slot of table where the lower-case word b's probe
// starts: a cheap mix of its length and of its first, second and last bytes.
func wordHash(b []byte) uint32 {
	n := len(b)
	h := uint32(n)*0x9E3779B1 ^ uint32(b[0])*0x85EBCA77 ^ uint32(b[1])*0xC2B2AE3D ^ uint32(b[n-1])*0x27D4EB2F
	return (h ^ h>>15) % uint32(len(table))
}

// lookup returns what the tables say of the word b, compared case-insensitively.
func lookup(b []byte) info {
	if len(b) > maxWord || len(b) < 2 {
		return info{}
	}
	var buf [maxWord]byte
	f := buf[:len(b)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		f[i] = c
	}
	for i := wordHash(f); table[i].name != ""; i = (i + 1) % uint32(len(table)) {
		if table[i].name == string(f) {
			return table[i].info
		}
	}
	return info{}
}

// keyword returns the word b is, or wNone.
func keyword(b []byte) word { return lookup(b).w }

// isTypeWord reports whether b is one of typeWords.
func isTypeWord(b []byte) bool { return lookup(b).flags&fType != 0 }

// isExprWord reports whether b is one of exprWords.
func isExprWord(b []byte) bool { return lookup(b).flags&fExpr != 0 }
