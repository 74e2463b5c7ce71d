// reference_test.go checks Of's grouping against libpg_query's fingerprints in testdata/reference.tsv.

package fingerprint

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// refStmt is one line of testdata/reference.tsv.
type refStmt struct {
	fp   string // libpg_query's fingerprint
	stmt string
}

func readReference(t *testing.T) []refStmt {
	t.Helper()
	f, err := os.Open("testdata/reference.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var refs []refStmt
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		fp, q, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		s, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("bad statement %s: %v", q, err)
		}
		refs = append(refs, refStmt{fp, s})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return refs
}

func TestReference(t *testing.T) {
	refs := readReference(t)
	if len(refs) < 300 {
		t.Fatalf("%d statements in the reference, want at least 300", len(refs))
	}
	pairs, agree, excused := 0, 0, 0
	for i := range refs {
		for j := i + 1; j < len(refs); j++ {
			a, b := refs[i], refs[j]
			pairs++
			want := a.fp == b.fp
			got := Of([]byte(a.stmt)) == Of([]byte(b.stmt))
			if got == want {
				agree++
				continue
			}
			if known(a.stmt, b.stmt) {
				excused++
				continue
			}
			t.Errorf("libpg_query says same=%v, Of says same=%v:\n  %q\n  %q", want, got, a.stmt, b.stmt)
		}
	}
	for k := range knownDiffs {
		if !slices.ContainsFunc(refs, func(r refStmt) bool { return r.stmt == k }) {
			t.Errorf("known difference %q is not in the reference", k)
		}
	}
	groups := map[string]bool{}
	for _, r := range refs {
		groups[r.fp] = true
	}
	ours := map[uint64]bool{}
	for _, r := range refs {
		ours[Of([]byte(r.stmt))] = true
	}
	t.Logf("%d statements: %d libpg_query groups, %d Of groups; %d of %d pairs agree, %d pairs are known differences",
		len(refs), len(groups), len(ours), agree, pairs, excused)
}

// knownDiffs are the statements of the reference on which Of and
// libpg_query disagree, with why (the package comment lists the rules).
var knownDiffs = map[string]string{
	// libpg_query ignores table aliases; a tokenizer cannot tell them apart.
	"SELECT users.id AS users_id, users.name AS users_name FROM users AS users_1 WHERE users.name = 'wendy'": "alias",
	"SELECT users.id AS users_id, users.name AS users_name FROM users users_2 WHERE users.name = 'wendy'":    "alias",
	// libpg_query sorts the operands of AND and OR.
	"select * from t where name = 'x' and id = 1": "operand order",
	// CAST(x AS t) and x::t are one node; only CAST of a constant is known here.
	"select cast(x as text) from t": "CAST syntax",
	// These strings are not constants to libpg_query; Of drops them like any other.
	"COMMENT ON TABLE users IS 'all the people'": "comment text",
	"NOTIFY events, 'other'":                     "notify payload",
	// FETCH's count is not a constant to libpg_query; Of drops it.
	"FETCH 100 FROM cur_b": "fetch count",
}

// known reports whether a and b are a pair on which Of differs from
// libpg_query on purpose.
func known(a, b string) bool { return knownDiffs[a] != "" || knownDiffs[b] != "" }
