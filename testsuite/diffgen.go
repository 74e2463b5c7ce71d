// Differential protocol test: the seeded script generator's core (units, splits, leaves, statement templates).

package testsuite

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"
)

// GenerateDiffScripts returns one script per client. It is a pure function of seed and o.
func GenerateDiffScripts(seed uint64, o DiffOptions) []DiffScript {
	scripts := make([]DiffScript, o.Clients)
	for i := range scripts {
		g := &diffGen{
			r:      rand.New(rand.NewPCG(seed, uint64(i)*0x9e3779b97f4a7c15+1)),
			o:      o,
			table:  diffTable(i),
			live:   map[string]diffStmt{},
			last:   map[string]diffStmt{},
			nextID: 100,
		}
		scripts[i] = DiffScript{Client: i, Table: g.table, Steps: g.generate()}
	}
	return scripts
}

// diffGen generates one client's script. live and dead are its belief about which statement
// names are defined: they steer generation only, PostgreSQL's own answers are the expectation.
type diffGen struct {
	r      *rand.Rand
	o      DiffOptions
	table  string
	live   map[string]diffStmt
	dead   []string
	last   map[string]diffStmt // every name's latest definition, dead or alive
	nextID int
	portal int
	steps  []DiffStep
}

// diffUnit is a kind of step sequence, with its weight and the feature it needs.
type diffUnit struct {
	weight int
	need   DiffFeature
	fn     func() []DiffStep
}

func (g *diffGen) units() []diffUnit {
	return []diffUnit{
		{10, 0, g.simpleUnit}, {8, 0, g.multiUnit}, {10, 0, g.unnamedUnit}, {14, 0, g.namedUnit},
		{6, 0, g.pipelineUnit}, {5, 0, g.flushUnit}, {9, 0, g.txUnit}, {4, 0, g.closeUnit},
		{2, 0, g.deallocAllUnit}, {5, 0, g.copyInUnit}, {3, 0, g.copyOutUnit},
		{7, DiffDeallocate, g.deallocUnit}, {4, DiffPrepareOnly, g.prepareOnlyUnit},
		{4, DiffBig, g.bigUnit}, {1, DiffSplits, g.sweepUnit},
	}
}

// has reports whether the options enable f.
func (g *diffGen) has(f DiffFeature) bool { return g.o.Features&f == f }

// chance is true with probability pct percent.
func (g *diffGen) chance(pct int) bool { return g.r.IntN(100) < pct }

// pick returns one of the strings.
func (g *diffGen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// generate emits units until the step budget is spent or the client leaves.
func (g *diffGen) generate() []DiffStep {
	leaveAt, leave := g.planLeave()
	end := g.o.Steps
	if leave != LeaveNone {
		end = leaveAt
	}
	for len(g.steps) < end {
		g.push(g.unit()...)
	}
	if leave != LeaveNone {
		g.push(g.leaveUnit(leave)...)
	}
	return g.steps
}

// unit runs one randomly chosen unit allowed by the features.
func (g *diffGen) unit() []DiffStep {
	units := slices.DeleteFunc(g.units(), func(u diffUnit) bool { return !g.has(u.need) })
	total := 0
	for _, u := range units {
		total += u.weight
	}
	n := g.r.IntN(total)
	for _, u := range units {
		if n < u.weight {
			return u.fn()
		}
		n -= u.weight
	}
	panic("unreachable")
}

// push appends steps, cutting some of them into several writes.
func (g *diffGen) push(steps ...DiffStep) {
	for _, s := range steps {
		if g.has(DiffSplits) && len(s.Splits) == 0 && g.chance(35) {
			s.Splits = g.splits(s.Batch, 1+g.r.IntN(3))
		}
		if g.has(DiffSplits) && len(s.Copy) > 0 && g.chance(50) {
			s.CopySplits = g.splits(s.Copy, 1+g.r.IntN(3))
		}
		pastCut := func(sp DiffSplit) bool { return sp.At >= s.Cut }
		switch s.Leave {
		case LeaveInBatch:
			s.Splits = slices.DeleteFunc(s.Splits, pastCut)
		case LeaveInCopy:
			s.CopySplits = slices.DeleteFunc(s.CopySplits, pastCut)
		}
		g.steps = append(g.steps, s)
	}
}

// splits picks up to n write boundaries inside buf, each of a random kind.
func (g *diffGen) splits(buf []byte, n int) []DiffSplit {
	spans := frameSpans(buf)
	var out []DiffSplit
	for range n {
		sp := spans[g.r.IntN(len(spans))]
		kind := SplitKind(g.r.IntN(int(splitKinds)))
		if kind == SplitBody && sp[1]-sp[0] < 7 {
			continue // no body to cut in the middle of
		}
		at := splitOffset(sp, kind, g.r)
		if at <= 0 || at >= len(buf) || slices.ContainsFunc(out, func(s DiffSplit) bool { return s.At == at }) {
			continue
		}
		out = append(out, DiffSplit{At: at, Kind: kind})
	}
	slices.SortFunc(out, func(a, b DiffSplit) int { return a.At - b.At })
	return out
}

// splitOffset is where a split of this kind falls for the frame [sp[0], sp[1]).
func splitOffset(sp [2]int, kind SplitKind, r *rand.Rand) int {
	switch kind {
	case SplitHeader:
		return sp[0] + 1 + r.IntN(4)
	case SplitEndLess:
		return sp[1] - 1
	case SplitEnd:
		return sp[1]
	case SplitEndMore:
		return sp[1] + 1
	}
	return sp[0] + 5 + (sp[1]-sp[0]-5)/2
}

// planLeave decides whether, how and around which step the client leaves.
func (g *diffGen) planLeave() (int, LeaveKind) {
	if !g.has(DiffLeaves) || !g.chance(45) {
		return 0, LeaveNone
	}
	kinds := []LeaveKind{LeaveInBatch, LeaveInBatch, LeaveInCopy, LeaveInCopy, LeaveAfter, LeaveTerminate}
	return g.o.Steps/3 + g.r.IntN(max(1, g.o.Steps*2/3)), kinds[g.r.IntN(len(kinds))]
}

// diffStmt is a statement template: its SQL, declared parameter types and argument maker.
type diffStmt struct {
	sql  string
	oids []uint32
	args func() [][]byte
	rows bool // returns several rows, so a row limit makes sense
}

// template returns one of the client's statement templates.
func (g *diffGen) template() diffStmt {
	t := g.table
	none := func() [][]byte { return nil }
	switch g.r.IntN(12) {
	case 0:
		return diffStmt{sql: "SELECT $1::int + 1 AS plus", args: func() [][]byte { return g.vals(g.intArg(1000)) }}
	case 1:
		return diffStmt{sql: "SELECT 10 / $1::int AS q", args: func() [][]byte { return g.vals(strconv.Itoa(g.r.IntN(3))) }}
	case 2:
		return diffStmt{sql: "SELECT id, v, n FROM " + t + " WHERE id <= $1 ORDER BY id", oids: []uint32{23},
			args: func() [][]byte { return g.vals(strconv.Itoa(3 + g.r.IntN(10))) }, rows: true}
	case 3:
		return diffStmt{sql: "INSERT INTO " + t + " (id, v, n) VALUES ($1, $2, $3)", oids: []uint32{23, 25, 23},
			args: func() [][]byte { return g.vals(g.rowID(), g.word(), g.intArg(50)) }}
	case 4:
		return diffStmt{sql: "UPDATE " + t + " SET n = n + $1 WHERE id <= $2", args: func() [][]byte { return g.vals(g.intArg(9), g.intArg(12)) }}
	case 5:
		return diffStmt{sql: "SELECT $1::text || '-' || $2::text AS c", oids: []uint32{25, 25},
			args: func() [][]byte { return [][]byte{[]byte(g.word()), nil} }}
	case 6:
		return diffStmt{sql: "SELECT g, repeat('y', $1::int) AS r FROM generate_series(1, $2::int) g",
			args: func() [][]byte { return g.vals(strconv.Itoa(g.r.IntN(20)), strconv.Itoa(2+g.r.IntN(7))) }, rows: true}
	case 7:
		return diffStmt{sql: "SELECT count(*) AS c, sum(n) AS s, max(v) AS m FROM " + t, args: none}
	case 8:
		return diffStmt{sql: "VALUES (1, 'a'), (2, 'b'), (3, NULL), (4, 'd')", args: none, rows: true}
	case 9:
		return diffStmt{sql: "DELETE FROM " + t + " WHERE id = $1 RETURNING id, v", args: func() [][]byte { return g.vals(g.intArg(12)) }}
	case 10:
		return diffStmt{sql: "SELECT $1::int4 AS a, $2::text AS b, $3::bool AS c", oids: []uint32{23, 25, 16},
			args: func() [][]byte { return g.vals(g.intArg(99), g.word(), g.pick("t", "f", "maybe")) }}
	}
	return diffStmt{sql: "SELECT id, n FROM " + t + " ORDER BY id DESC", args: none, rows: true}
}

// badSQL is a statement that fails at Parse.
func (g *diffGen) badSQL() string {
	return g.pick("SELECT * FROM diff_no_such_table", "SELEC 1", "SELECT $1::no_such_type",
		"SELECT no_such_column FROM "+g.table, "SELECT 1 +")
}

func (g *diffGen) vals(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, v := range s {
		out[i] = []byte(v)
	}
	return out
}

// intArg is a small integer as text, now and then not an integer at all.
func (g *diffGen) intArg(n int) string {
	if g.chance(4) {
		return "x" + strconv.Itoa(g.r.IntN(9))
	}
	return strconv.Itoa(g.r.IntN(n))
}

// rowID is a fresh row id, now and then one of the seeded rows (a duplicate key).
func (g *diffGen) rowID() string {
	if g.chance(10) {
		return strconv.Itoa(1 + g.r.IntN(10))
	}
	g.nextID++
	return strconv.Itoa(g.nextID)
}

func (g *diffGen) word() string {
	return g.pick("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "it''s", "tab\tbed", "ünï")
}

// formats are the result format codes of a Bind: mostly text, sometimes binary.
func (g *diffGen) formats() []int16 {
	if g.chance(20) {
		return []int16{1}
	}
	return nil
}

// newPortal returns a fresh portal name, or "" for the unnamed portal.
func (g *diffGen) newPortal() string {
	if g.chance(50) {
		return ""
	}
	g.portal++
	return "p" + strconv.Itoa(g.portal)
}

// execute appends Execute frames for portal: one, or several with a row limit (PortalSuspended).
func (g *diffGen) execute(b *batch, portal string, rows bool) {
	if !rows || g.chance(40) {
		b.add(&pgproto3.Execute{Portal: portal})
		return
	}
	limit := uint32(1 + g.r.IntN(3))
	b.add(&pgproto3.Execute{Portal: portal, MaxRows: limit})
	if g.chance(60) {
		b.add(&pgproto3.Execute{Portal: portal, MaxRows: limit})
	}
	if g.chance(60) {
		b.add(&pgproto3.Execute{Portal: portal})
	}
	if portal != "" && g.chance(40) {
		b.add(&pgproto3.Close{ObjectType: 'P', Name: portal})
	}
}
