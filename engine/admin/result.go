// result.go holds a command's answer: typed columns, rows of Go values, notices, and their encoding as PgDog sends them.

package admin

import (
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// SQLSTATEs of the console's own: a column list naming no column, and its notices.
const (
	codeUndefinedColumn = "42703"
	codeWarning         = "01000"
)

// pgType is a column's PostgreSQL type, as the RowDescription gives it.
type pgType struct {
	oid  uint32
	size int16
}

// The types PgDog's console uses (its Field::text, numeric, bigint, bool).
var (
	typeText    = pgType{25, -1}
	typeNumeric = pgType{1700, -1}
	typeBigint  = pgType{20, 8}
	typeBool    = pgType{16, 1}
)

// column is one column of an answer.
type column struct {
	name string
	typ  pgType
}

func text(name string) column    { return column{name, typeText} }
func numeric(name string) column { return column{name, typeNumeric} }
func bigint(name string) column  { return column{name, typeBigint} }
func boolean(name string) column { return column{name, typeBool} }

// resultSet is a command's answer: columns and rows, or just a tag, and
// the notices sent before it.
type resultSet struct {
	cols    []column
	rows    [][]any // values as cellText encodes them
	tag     string
	notices []string
}

func (r *resultSet) add(vals ...any) { r.rows = append(r.rows, vals) }

// cellText is a value in the text format PgDog sends: nil is NULL, a bool
// "t" or "f", a float its shortest decimal form, a time the console's
// timestamp ("" when unset).
func cellText(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(x)
	case bool:
		if x {
			return []byte("t")
		}
		return []byte("f")
	case float64:
		return strconv.AppendFloat([]byte{}, x, 'f', -1, 64)
	case time.Time:
		return []byte(timeCol(x))
	}
	return fmt.Append([]byte{}, v)
}

// timeCol formats a time as PgDog does ("" when unset).
func timeCol(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05.000 MST")
}

// millis is a duration in milliseconds, to the microsecond, as PgDog gives times.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// millis3 is a duration in milliseconds with three decimals, as PgDog gives a client's query and transaction times.
func millis3(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 3, 64)
}

// appendResult encodes a result set as its notices, RowDescription, DataRows and CommandComplete.
func appendResult(out []byte, rs *resultSet) []byte {
	for _, n := range rs.notices {
		out, _ = (&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: codeWarning, Message: n}).Encode(out)
	}
	if rs.cols != nil {
		rd := &pgproto3.RowDescription{}
		for _, c := range rs.cols {
			rd.Fields = append(rd.Fields, pgproto3.FieldDescription{Name: []byte(c.name), DataTypeOID: c.typ.oid,
				DataTypeSize: c.typ.size, TypeModifier: -1})
		}
		out, _ = rd.Encode(out)
		for _, row := range rs.rows {
			dr := &pgproto3.DataRow{Values: make([][]byte, len(row))}
			for i, v := range row {
				dr.Values[i] = cellText(v)
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

// field is one column of a listing and how a row's value is read from a T.
type field[T any] struct {
	col column
	val func(*T) any
}

// listing answers with one row per item, with all of fields, or, when
// names are given, those columns in that order (an unknown one is an
// error, SQLSTATE 42703).
func listing[T any](cmd string, fields []field[T], names []string, items []T) (*resultSet, error) {
	chosen, err := choose(cmd, fields, names)
	if err != nil {
		return nil, err
	}
	rs := &resultSet{cols: make([]column, len(chosen))}
	for i, f := range chosen {
		rs.cols[i] = f.col
	}
	for i := range items {
		row := make([]any, len(chosen))
		for j, f := range chosen {
			row[j] = f.val(&items[i])
		}
		rs.rows = append(rs.rows, row)
	}
	return rs, nil
}

// choose picks the named fields, in the order given; all of them without names.
func choose[T any](cmd string, fields []field[T], names []string) ([]field[T], error) {
	if len(names) == 0 {
		return fields, nil
	}
	out := make([]field[T], 0, len(names))
	for _, n := range names {
		found := false
		for _, f := range fields {
			if f.col.name == n {
				out, found = append(out, f), true
				break
			}
		}
		if !found {
			return nil, adminErrorf(codeUndefinedColumn, "%s has no column %q", cmd, n)
		}
	}
	return out, nil
}
