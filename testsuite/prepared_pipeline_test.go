// Prepared statements in a failing pipeline: the answer through pgdogd equals PostgreSQL's own, new or cached on the server.

package testsuite

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// pipelineCase is a failing pipeline: setup batches sent first, the pipeline itself, and
// follow-up batches on the same connection (every batch ends with a Sync).
type pipelineCase struct {
	name     string
	setup    [][]pgproto3.FrontendMessage
	pipeline []pgproto3.FrontendMessage
	follow   [][]pgproto3.FrontendMessage
}

// pipelineCases builds the cases. Each case's query texts carry its name and tag, so that
// with a tag never used before its statements are new to every server.
func pipelineCases(tag string) []pipelineCase {
	var cases []pipelineCase
	add := func(name string, build func(q func(string) string) pipelineCase) {
		tc := build(func(s string) string { return fmt.Sprintf("%s /* %s %s */", s, tag, name) })
		tc.name = name
		cases = append(cases, tc)
	}
	const (
		ok1     = "select 1"
		ok3     = "select $1::int + 3"
		divExec = "select 1 / (v - v) from kv where id = 1" // fails while executing
		divBind = "select 1 / $1::int"                      // fails while planning, at Bind
		noTable = "select * from prep_no_such_table"        // fails at Parse
	)
	prepareAll := func(q func(string) string, mid string) [][]pgproto3.FrontendMessage {
		return [][]pgproto3.FrontendMessage{{
			&pgproto3.Parse{Name: "p1", Query: q(ok1)}, &pgproto3.Parse{Name: "p2", Query: q(mid)},
			&pgproto3.Parse{Name: "p3", Query: q(ok3)}, &pgproto3.Sync{},
		}}
	}
	add("parse-bind-execute/execute-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			pipeline: joinMsgs(pbe("p1", q(ok1)), pbe("p2", q(divExec)), pbe("p3", q(ok3), "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("p1", ""), pbe("p2", ""))},
		}
	})
	add("parse-bind-execute/bind-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			pipeline: joinMsgs(pbe("p1", q(ok1)), pbe("p2", q(divBind), "0"), pbe("p3", q(ok3), "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("p2", "", "2"))},
		}
	})
	add("parse-bind-execute/parse-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			pipeline: joinMsgs(pbe("p1", q(ok1)), pbe("p2", q(noTable)), pbe("p3", q(ok3), "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("p1", ""))},
		}
	})
	// PostgreSQL skips p3's Parse after the error and rejects p2's: neither exists afterwards.
	add("parse-bind-execute/failed-parses-leave-no-statement", func(q func(string) string) pipelineCase {
		return pipelineCase{
			pipeline: joinMsgs(pbe("p1", q(ok1)), pbe("p2", q(noTable)), pbe("p3", q(ok3), "4")),
			follow: [][]pgproto3.FrontendMessage{
				joinMsgs(pbe("p1", ""), pbe("p3", "", "1")),
				joinMsgs(pbe("p2", "")),
			},
		}
	})
	add("unnamed/execute-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			pipeline: joinMsgs(pbe("", q(ok1)), pbe("", q(divExec)), pbe("", q(ok3), "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("", q(ok3), "5"))},
		}
	})
	add("prepared-first/execute-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			setup:    prepareAll(q, divExec),
			pipeline: joinMsgs(pbe("p1", ""), pbe("p2", ""), pbe("p3", "", "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("p3", "", "5"), pbe("p1", ""))},
		}
	})
	add("prepared-first/bind-fails", func(q func(string) string) pipelineCase {
		return pipelineCase{
			setup:    prepareAll(q, divBind),
			pipeline: joinMsgs(pbe("p1", ""), pbe("p2", "", "0"), pbe("p3", "", "4")),
			follow:   [][]pgproto3.FrontendMessage{joinMsgs(pbe("p3", "", "5"), pbe("p2", "", "1"))},
		}
	})
	return cases
}

// TestPreparedPipelineError sends pipelines whose middle statement fails, directly to
// PostgreSQL and through pgdogd (pool of 1), on fresh connections: first with statements new
// to the server, then again after another client ran every statement (cached on the server).
// Every answer must be the same message for message.
func TestPreparedPipelineError(t *testing.T) {
	p := StartProxy(t, prepConfig(shared, 1))
	for _, tag := range []string{"new", "cached"} {
		for _, tc := range pipelineCases(t.Name()) {
			t.Run(tag+"/"+tc.name, func(t *testing.T) {
				if tag == "cached" {
					warmStatements(t, p, tc)
				}
				want := pipelineRun(t, shared.Endpoint, tc)
				got := pipelineRun(t, p.Endpoint, tc)
				t.Logf("PostgreSQL: %q", want)
				for i := range want {
					if got[i] != want[i] {
						t.Errorf("%s answer through pgdogd differs from PostgreSQL's\n pgdogd:     %s\n PostgreSQL: %s", stepName(i, tc), got[i], want[i])
					}
				}
			})
		}
	}
}

// warmStatements runs each of the case's statements in its own batch through p, so that the
// server holds all of them (failing executions included).
func warmStatements(t *testing.T, p *Proxy, tc pipelineCase) {
	t.Helper()
	r, err := rawStartup(t, p.Addr(), Alice)
	if err != nil {
		t.Fatal(err)
	}
	msgs := tc.pipeline
	for _, batch := range tc.setup {
		msgs = append(batch[:len(batch)-1:len(batch)-1], msgs...)
	}
	var batch []pgproto3.FrontendMessage
	for _, m := range msgs {
		if _, ok := m.(*pgproto3.Sync); ok {
			continue
		}
		batch = append(batch, m)
		if _, ok := m.(*pgproto3.Execute); ok {
			if _, err := transcript(r, append(batch, &pgproto3.Sync{})...); err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			batch = batch[:0]
		}
	}
}

// pipelineRun opens a fresh connection to e and returns the transcripts of the setup batches,
// the pipeline and the follow-up, in that order.
func pipelineRun(t *testing.T, e Endpoint, tc pipelineCase) []string {
	t.Helper()
	r, err := rawStartup(t, e.Addr(), Alice)
	if err != nil {
		t.Fatalf("cannot log in to %s: %v", e.Addr(), err)
	}
	var out []string
	batches := append(append(append([][]pgproto3.FrontendMessage{}, tc.setup...), tc.pipeline), tc.follow...)
	for _, batch := range batches {
		s, err := transcript(r, batch...)
		if err != nil {
			t.Fatalf("%s on %s: %v (so far %q)", stepName(len(out), tc), e.Addr(), err, s)
		}
		out = append(out, s)
	}
	return out
}

// stepName names the i-th batch of a case's run.
func stepName(i int, tc pipelineCase) string {
	switch {
	case i < len(tc.setup):
		return fmt.Sprintf("setup batch %d", i+1)
	case i == len(tc.setup):
		return "pipeline"
	}
	return fmt.Sprintf("follow-up batch %d", i-len(tc.setup))
}
