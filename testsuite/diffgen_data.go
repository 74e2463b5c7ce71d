// Differential protocol test: generator units for COPY in and out, large frames and split sweeps.

package testsuite

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

func (g *diffGen) copyInUnit() []DiffStep {
	if g.chance(15) {
		return g.copyLate(false)
	}
	return g.copyIn(false)
}

// copyIn is COPY FROM STDIN by simple Query or, outside a transaction (where the COPY cannot
// fail before CopyInResponse), by the extended protocol ended with Flush or with libpq's
// early Sync. The data is cut into CopyData frames at arbitrary bytes.
func (g *diffGen) copyIn(inTx bool) []DiffStep {
	sql := "COPY " + g.table + " (id, v, n) FROM STDIN"
	b := (&batch{}).note("copy-in")
	variant := 0
	if !inTx {
		variant = g.r.IntN(3)
	}
	switch variant {
	case 0:
		b.query(sql)
	case 1:
		b.note("extended+flush").add(&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
	case 2:
		b.note("extended+early-sync").add(&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	}
	data := g.copyRows()
	var cp batch
	for len(data) > 0 {
		n := 1 + g.r.IntN(len(data))
		if g.chance(30) {
			n = len(data)
		}
		cp.add(&pgproto3.CopyData{Data: []byte(data[:n])})
		data = data[n:]
	}
	if g.chance(20) {
		cp.add(&pgproto3.CopyFail{Message: "client gave up"})
	} else {
		cp.add(&pgproto3.CopyDone{})
	}
	if variant != 0 {
		cp.sync() // during COPY an early Sync is ignored: one ReadyForQuery in all
	}
	s := b.step()
	s.Copy, s.Ready = cp.buf, 1
	return []DiffStep{s}
}

// copyLate is a COPY FROM STDIN whose first row is rejected while the client goes on
// sending data (as psql does with a file): the rest arrives after PostgreSQL's
// ReadyForQuery and is dropped by it, before a Query. When leave is set the client stops
// inside one of those late CopyData frames and closes.
func (g *diffGen) copyLate(leave bool) []DiffStep {
	first := (&batch{}).note("copy-late").query("COPY " + g.table + " (id, v, n) FROM STDIN").step()
	first.Copy = (&batch{}).add(&pgproto3.CopyData{Data: []byte("oops\tbad\t1\n")}).buf
	late := (&batch{}).note("copy-late-data")
	for range 1 + g.r.IntN(3) {
		late.add(&pgproto3.CopyData{Data: []byte(g.copyRows())})
	}
	late.add(&pgproto3.CopyDone{})
	if !leave {
		late.query("SELECT 'after late copy data' AS note")
		return []DiffStep{first, late.step()}
	}
	rest := late.step()
	spans := frameSpans(rest.Batch)
	sp := spans[g.r.IntN(len(spans)-1)] // a CopyData frame
	rest.Leave, rest.Cut = LeaveInBatch, sp[0]+6+g.r.IntN(sp[1]-sp[0]-6)
	rest.CutWhere = fmt.Sprintf("late-copy-body of CopyData@%d, cut at byte %d of %d", sp[0], rest.Cut, len(rest.Batch))
	return []DiffStep{first, rest}
}

// copyRows is COPY text data with fresh ids, sometimes a bad row, sometimes about 300 KB.
func (g *diffGen) copyRows() string {
	var sb strings.Builder
	rows, pad := 1+g.r.IntN(6), 0
	if g.has(DiffBig) && g.chance(20) {
		rows, pad = 3000, 90
	}
	bad := -1
	if g.chance(12) {
		bad = g.r.IntN(rows)
	}
	for i := range rows {
		g.nextID++
		if i == bad {
			sb.WriteString("oops\tbad\t1\n")
			continue
		}
		fmt.Fprintf(&sb, "%d\tcopy%s%s\t%d\n", g.nextID, strings.Repeat("c", pad), strconv.Itoa(i), i)
	}
	return sb.String()
}

// copyOutUnit is COPY TO STDOUT, by simple Query or the extended protocol.
func (g *diffGen) copyOutUnit() []DiffStep {
	src := "(SELECT id, v, n FROM " + g.table + " ORDER BY id)"
	sql := "COPY " + src + " TO STDOUT" + g.pick("", " WITH (FORMAT csv, HEADER)", " WITH (FORMAT binary)")
	b := (&batch{}).note("copy-out")
	switch g.r.IntN(3) {
	case 0:
		b.query(sql)
	case 1:
		b.query(sql + "; SELECT 1 AS after")
	default:
		b.add(&pgproto3.Parse{Query: sql}, &pgproto3.Bind{}, &pgproto3.Execute{}).sync()
	}
	return []DiffStep{b.step()}
}

// bigUnit sends or receives 100 KB to 1 MB: a Query text, a Parse with a big literal, a big
// Bind parameter, big results.
func (g *diffGen) bigUnit() []DiffStep {
	size := 100<<10 + g.r.IntN(900<<10)
	pad := strings.Repeat("0123456789abcdef", size/32)
	b := (&batch{}).note("big")
	switch g.r.IntN(6) {
	case 0:
		b.query("SELECT length('" + pad + "') AS len, md5('" + pad + "') AS h")
	case 1:
		var sb strings.Builder
		for i := 0; sb.Len() < size/8; i++ {
			fmt.Fprintf(&sb, "SELECT %d AS c; ", i)
		}
		b.query(sb.String())
	case 2:
		st := diffStmt{sql: "SELECT $1::int + length('" + pad + "') AS l",
			args: func() [][]byte { return g.vals(g.intArg(9)) }}
		name := g.freeName()
		g.parse(b, name, st, false)
		b.add(&pgproto3.Bind{PreparedStatement: name, Parameters: st.args()}, &pgproto3.Execute{}).sync()
	case 3:
		b.add(&pgproto3.Parse{Query: "SELECT length($1::text) AS l, md5($1::text) AS h"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte(pad + pad)}}, &pgproto3.Execute{}).sync()
	case 4:
		b.query(g.pick("SELECT repeat('x', 200000) AS x",
			"SELECT g, repeat(chr(64 + g), 100000) AS r FROM generate_series(1, 8) g"))
	default:
		b.add(&pgproto3.Parse{Query: "SELECT g, repeat('z', 150000) AS r FROM generate_series(1, 5) g"},
			&pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 2}, &pgproto3.Execute{}).sync()
	}
	return []DiffStep{b.step()}
}

// sweepUnit sends the same small batch once per split offset, at every offset from one byte
// before each frame's start to one byte past its header, and in the middle of each body.
func (g *diffGen) sweepUnit() []DiffStep {
	b := (&batch{}).note("sweep")
	var steps []DiffStep
	switch g.r.IntN(3) {
	case 0:
		b.add(&pgproto3.Parse{Query: "SELECT $1::int + 1 AS plus"}, &pgproto3.Bind{Parameters: g.vals("41")},
			&pgproto3.Execute{}).sync()
	case 1:
		b.query("SELECT 'sweep' AS s, 42 AS n").query("SELECT 2 AS two")
	default:
		name := g.liveName()
		if name == "" {
			name = g.freeName()
			def := &batch{}
			g.parse(def, name, g.template(), false)
			steps = append(steps, def.note("sweep-define").sync().step())
		}
		b.add(&pgproto3.Bind{PreparedStatement: name, Parameters: g.live[name].args()},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}).sync()
	}
	base := b.step()
	for _, sp := range sweepSplits(base.Batch) {
		s := base
		s.Label = "sweep@" + strconv.Itoa(sp.At)
		s.Splits = []DiffSplit{sp}
		steps = append(steps, s)
	}
	return steps
}

// sweepSplits are the sweep's split offsets in buf, each with its kind.
func sweepSplits(buf []byte) []DiffSplit {
	var out []DiffSplit
	seen := map[int]bool{}
	add := func(at int, kind SplitKind) {
		if at > 0 && at < len(buf) && !seen[at] {
			seen[at] = true
			out = append(out, DiffSplit{At: at, Kind: kind})
		}
	}
	for _, sp := range frameSpans(buf) {
		add(sp[0]-1, SplitEndLess)
		add(sp[0], SplitEnd)
		add(sp[0]+1, SplitEndMore)
		for at := sp[0] + 2; at < sp[0]+5; at++ {
			add(at, SplitHeader)
		}
		add(sp[0]+5, SplitBody)
		add(sp[0]+5+(sp[1]-sp[0]-5)/2, SplitBody)
	}
	return out
}
