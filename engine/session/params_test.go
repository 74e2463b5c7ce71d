// params_test.go checks the SET statements that bring a server's settings in line with a client's.

package session

import "testing"

func TestAppendSync(t *testing.T) {
	defs := Params{}.Set("application_name", "").Set("TimeZone", "UTC").Set("server_version", "15.1")
	for i := range defs {
		defs[i].Reported = true
	}
	cases := []struct {
		name      string
		have      Params
		want      Params
		sql       string
		afterHave map[string]string // settings the server has afterwards; "" key absent means removed
	}{
		{"nothing to do", defs.Clone(), nil, "", map[string]string{"timezone": "UTC"}},
		{"client setting", defs.Clone(), Params{}.Set("application_name", "foo"),
			`SELECT pg_catalog.set_config(E'application_name', E'foo', false);`, map[string]string{"application_name": "foo"}},
		{"already in place", defs.Clone().Set("application_name", "foo"), Params{}.Set("application_name", "foo"), "", nil},
		{"previous client's setting goes back to default", defs.Clone().Set("TimeZone", "Asia/Tokyo"), nil,
			`SELECT pg_catalog.set_config(E'timezone', E'UTC', false);`, map[string]string{"timezone": "UTC"}},
		{"unreported setting is reset", defs.Clone().Set("statement_timeout", "5s"), nil,
			`RESET "statement_timeout";`, nil},
		{"quoting", defs.Clone(), Params{}.Set("search_path", `a'b\c`),
			`SELECT pg_catalog.set_config(E'search_path', E'a''b\\c', false);`, map[string]string{"search_path": `a'b\c`}},
		{"read-only settings are never touched", defs.Clone().Set("server_version", "16"), nil, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sql, have := AppendSync(nil, c.have, c.want, defs)
			if string(sql) != c.sql {
				t.Fatalf("sql = %q, want %q", sql, c.sql)
			}
			for _, w := range c.want {
				if w.Reported { // recorded from the server's ParameterStatus, not by the sync
					if got, _ := have.Get(w.Name); got == w.Value && !c.have.Has(w.Name) {
						t.Errorf("reported %s recorded before the server reported it", w.Name)
					}
					have = have.Set(w.Name, w.Value)
				}
			}
			for k, v := range c.afterHave {
				if got, _ := have.Get(k); got != v {
					t.Errorf("server %s = %q, want %q", k, got, v)
				}
			}
			if c.name == "unreported setting is reset" && have.Has("statement_timeout") {
				t.Errorf("statement_timeout still recorded after RESET")
			}
			again, _ := AppendSync(nil, have, c.want, defs)
			if len(again) != 0 {
				t.Errorf("second sync is not empty: %q", again)
			}
		})
	}
}

func TestParseOptions(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want map[string]string
	}{
		{"-c statement_timeout=1234", true, map[string]string{"statement_timeout": "1234"}},
		{"-cintervalstyle=iso_8601 --search-path=a\\ b", true, map[string]string{"intervalstyle": "iso_8601", "search_path": "a b"}},
		{"", true, nil},
		{"-x", false, nil},
		{"-c novalue", false, nil},
	}
	for _, c := range cases {
		got, ok := ParseOptions(c.in)
		if ok != c.ok {
			t.Fatalf("parseOptions(%q) ok = %v", c.in, ok)
		}
		for k, v := range c.want {
			if g, _ := got.Get(k); g != v {
				t.Errorf("parseOptions(%q)[%s] = %q, want %q", c.in, k, g, v)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("parseOptions(%q) = %v", c.in, got)
		}
	}
}
