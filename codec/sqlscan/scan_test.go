// scan_test.go holds the table tests of Split, Tokenize, Ident, FirstKeyword and ParseDrop.

package sqlscan

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func statements(sql string) []string {
	out := []string{}
	s := Split([]byte(sql))
	for {
		stmt, _, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, string(stmt))
	}
}

// splitCases are query texts and the statements Split finds in them.
var splitCases = []struct {
	sql  string
	want []string
}{
	{"", nil},
	{"select 1", []string{"select 1"}},
	{"select 1; deallocate all", []string{"select 1", "deallocate all"}},
	{"  select 1 ;\n\tselect 2;  ", []string{"select 1", "select 2"}},
	{" ;; ;\n", nil},
	{"/* only a comment */ ; -- another\n ;", nil},
	{"/* hint */ select 1 /* tail */; -- c\nselect 2", []string{"/* hint */ select 1 /* tail */", "-- c\nselect 2"}},
	// NUL ends the text.
	{"select 1;\x00", []string{"select 1"}},
	{"select 1\x00; select 2", []string{"select 1"}},
	{"\x00select 1", nil},
	// ; inside strings, identifiers, comments and dollar quotes.
	{"select ';' ; select 2", []string{"select ';'", "select 2"}},
	{"select 'it''s; ok'; select 2", []string{"select 'it''s; ok'", "select 2"}},
	{`select "a;b", "c"";d"; select 2`, []string{`select "a;b", "c"";d"`, "select 2"}},
	{"select 1 -- ; not here\n; select 2", []string{"select 1 -- ; not here", "select 2"}},
	{"select 1 -- ; not here\r; select 2", []string{"select 1 -- ; not here", "select 2"}},
	{"select /* ; /* nested ; */ still ; */ 1; select 2", []string{"select /* ; /* nested ; */ still ; */ 1", "select 2"}},
	{"select /*/ ; */ 1; select 2", []string{"select /*/ ; */ 1", "select 2"}},
	{"select $$;$$; select 2", []string{"select $$;$$", "select 2"}},
	{"select $a$ ; $$ ; $a$; select 2", []string{"select $a$ ; $$ ; $a$", "select 2"}},
	{"select $ab$ $abc$ ; $ab$; select 2", []string{"select $ab$ $abc$ ; $ab$", "select 2"}},
	{"select $é$ ; $é$; select 2", []string{"select $é$ ; $é$", "select 2"}},
	{"select $_1$;$_1$; select 2", []string{"select $_1$;$_1$", "select 2"}},
	// $1 is a parameter, x$$y an identifier, $ alone punctuation: none opens a quote.
	{"select $1; select $2$", []string{"select $1", "select $2$"}},
	{"select x$$y; select 2", []string{"select x$$y", "select 2"}},
	{"select $ ; select $a ; select 2", []string{"select $", "select $a", "select 2"}},
	// Backslashes escape only in E strings.
	{`select E'\';'; select 2`, []string{`select E'\';'`, "select 2"}},
	{`select e'\\'; select 2`, []string{`select e'\\'`, "select 2"}},
	{`select e'a''b;'; select 2`, []string{`select e'a''b;'`, "select 2"}},
	{`select '\'; select 2 --'`, []string{`select '\'`, "select 2 --'"}},
	{`select U&'\0041;'; select 2`, []string{`select U&'\0041;'`, "select 2"}},
	{`select U&"a;b"; select 2`, []string{`select U&"a;b"`, "select 2"}},
	{"select B'01''1;'; select X';'; select N';'", []string{"select B'01''1;'", "select X';'", "select N';'"}},
	{"select xe';'; select 2", []string{"select xe';'", "select 2"}},
	// A string continues across white space holding a newline, in its own mode.
	{"select E'a'\n'\\';'; select 2", []string{"select E'a'\n'\\';'", "select 2"}},
	{"select E'a' -- c\n  -- d\n '\\';'; select 2", []string{"select E'a' -- c\n  -- d\n '\\';'", "select 2"}},
	{"select E'a' '\\'; select 2 --'", []string{"select E'a' '\\'", "select 2 --'"}},
	{"select E'a' /* c */\n'\\'; select 2 --'", []string{"select E'a' /* c */\n'\\'", "select 2 --'"}},
	// Unterminated constructs run to the end.
	{"select 'abc; select 2", []string{"select 'abc; select 2"}},
	{"select E'abc\\", []string{"select E'abc\\"}},
	{`select "abc; select 2`, []string{`select "abc; select 2`}},
	{"select 1 /* ; select 2 ", []string{"select 1 /* ; select 2 "}},
	{"select 1 /* /* */ ; select 2 ", []string{"select 1 /* /* */ ; select 2 "}},
	{"select $q$ ; select 2", []string{"select $q$ ; select 2"}},
	{"select 1 -- c", []string{"select 1 -- c"}},
	// As in psql, ; does not end a statement inside parentheses or a BEGIN ATOMIC body.
	{"select (1; 2); select 3", []string{"select (1; 2)", "select 3"}},
	{"select ); select 3", []string{"select )", "select 3"}},
	{
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; select 3",
		[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END", "select 3"},
	},
	{
		"create or replace procedure p() begin /* c */ atomic insert into t values (1); end; call p()",
		[]string{"create or replace procedure p() begin /* c */ atomic insert into t values (1); end", "call p()"},
	},
	{"create function begin() returns int return 1; select 2", []string{"create function begin() returns int return 1", "select 2"}},
	{"begin; select 1; end", []string{"begin", "select 1", "end"}},
	{"create table atomic (begin int); select 2", []string{"create table atomic (begin int)", "select 2"}},
}

func TestSplit(t *testing.T) {
	for _, c := range splitCases {
		got := statements(c.sql)
		if c.want == nil {
			c.want = []string{}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.sql, got, c.want)
		}
	}
}

func TestSplitOffsets(t *testing.T) {
	sql := []byte("  select 1 ; /* c */ select 2;;\x00")
	s := Split(sql)
	var starts []int
	for {
		stmt, start, ok := s.Next()
		if !ok {
			break
		}
		if &stmt[0] != &sql[start] || string(sql[start:start+len(stmt)]) != string(stmt) {
			t.Errorf("stmt %q does not alias sql at %d", stmt, start)
		}
		starts = append(starts, start)
	}
	if want := []int{2, 13}; !reflect.DeepEqual(starts, want) {
		t.Errorf("starts %v, want %v", starts, want)
	}
	if _, _, ok := s.Next(); ok {
		t.Error("Next after the end returned a statement")
	}
}

func tokens(stmt string) []string {
	out := []string{}
	toks := Tokenize([]byte(stmt))
	for {
		tok, ok := toks.Next()
		if !ok {
			return out
		}
		out = append(out, fmt.Sprintf("%v:%s", tok.Kind, stmt[tok.Start:tok.End]))
	}
}

func TestTokenize(t *testing.T) {
	for _, c := range []struct {
		stmt string
		want string // tokens joined by " | "
	}{
		{"", ""},
		{"  -- only\n /* comments */ ", ""},
		{"SELECT a, b FROM t", "Word:SELECT | Word:a | Punct:, | Word:b | Word:FROM | Word:t"},
		{"a/*c*/b--d\ne", "Word:a | Word:b | Word:e"},
		{"a/* /* */ x */b", "Word:a | Word:b"},
		{"*/*x*/", "Punct:*"},
		{"a<>b::int", "Word:a | Punct:< | Punct:> | Word:b | Punct:: | Punct:: | Word:int"},
		{`"Foo""Bar" U&"x"`, `QuotedIdent:"Foo""Bar" | QuotedIdent:U&"x"`},
		{`'it''s' E'\'' e'\\' 'a\'`, `String:'it''s' | String:E'\'' | String:e'\\' | String:'a\'`},
		{"B'01''10' x'1F' N'n' U&'u'", "String:B'01' | String:'10' | String:x'1F' | String:N'n' | String:U&'u'"},
		{"'a'\n'b' 'c' 'd'", "String:'a'\n'b' | String:'c' | String:'d'"},
		{"$$a$$ $t$b$$t$ $1 $23x $ $a", "String:$$a$$ | String:$t$b$$t$ | Param:$1 | Param:$23 | Word:x | Punct:$ | Punct:$ | Word:a"},
		// As PostgreSQL: 1e is 1 then e, and 1..2 is 1, '.', .2.
		{"1 1.5 .5 1. 1e10 1.5E-3 1e 1e+ 1..2", "Number:1 | Number:1.5 | Number:.5 | Number:1. | Number:1e10 | Number:1.5E-3 | Number:1 | Word:e | Number:1 | Word:e | Punct:+ | Number:1 | Punct:. | Number:.2"},
		{"x$y _a café ab'c' u&v", "Word:x$y | Word:_a | Word:café | Word:ab | String:'c' | Word:u | Punct:& | Word:v"},
		{"select 1\x00 x", "Word:select | Number:1"},
		{"a\vb", "Word:a | Punct:\v | Word:b"},
		{"'abc", "String:'abc"},
		{"E'abc\\", "String:E'abc\\"},
		{`"abc`, `QuotedIdent:"abc`},
		{"$x$abc$x", "String:$x$abc$x"},
		{"U&", "Word:U | Punct:&"},
	} {
		got := strings.Join(tokens(c.stmt), " | ")
		if got != c.want {
			t.Errorf("Tokenize(%q):\n got %q\nwant %q", c.stmt, got, c.want)
		}
	}
}

func TestPeek(t *testing.T) {
	stmt := []byte("a b")
	toks := Tokenize(stmt)
	p, _ := toks.Peek()
	n, _ := toks.Next()
	if p != n || !n.Is(stmt, "a") {
		t.Fatalf("Peek %v, Next %v", p, n)
	}
	if n, _ = toks.Next(); !n.Is(stmt, "b") {
		t.Fatalf("second token %v", n)
	}
	if _, ok := toks.Peek(); ok {
		t.Fatal("Peek at the end returned a token")
	}
}

func TestIs(t *testing.T) {
	stmt := []byte(`SeLeCt "select" selects sel 'select'`)
	toks := Tokenize(stmt)
	var got []bool
	for {
		tok, ok := toks.Next()
		if !ok {
			break
		}
		got = append(got, tok.Is(stmt, "select"))
	}
	if want := []bool{true, false, false, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("Is = %v, want %v", got, want)
	}
}

func TestIdent(t *testing.T) {
	long := strings.Repeat("a", 70)
	for _, c := range []struct{ stmt, want string }{
		{"Foo_Bar$1", "foo_bar$1"},
		{`"Foo""Bar"`, `Foo"Bar`},
		{`"MiXeD"`, "MiXeD"},
		{`""`, ""},
		{`"abc`, "abc"},
		{`"a""`, `a"`},
		{`U&"Ab"`, "Ab"},
		{"ÀB", "Àb"},
		{long, long[:MaxIdentLen]},
		{`"` + long + `"`, long[:MaxIdentLen]},
		{strings.Repeat("a", 62) + "é", strings.Repeat("a", 62)},
		{strings.Repeat("a", 61) + "é", strings.Repeat("a", 61) + "é"},
		{"'str'", ""},
		{"42", ""},
	} {
		stmt := []byte(c.stmt)
		toks := Tokenize(stmt)
		tok, ok := toks.Next()
		if !ok {
			t.Fatalf("no token in %q", c.stmt)
		}
		got := Ident([]byte("x."), stmt, tok)
		if string(got) != "x."+c.want {
			t.Errorf("Ident(%q) = %q, want %q", c.stmt, got, "x."+c.want)
		}
	}
}

func TestFirstKeyword(t *testing.T) {
	for _, c := range []struct {
		stmt, want string
		ok         bool
	}{
		{"select 1", "select", true},
		{"((SELECT 1))", "SELECT", true},
		{"/* c */ ( -- d\n with x as (select 1) select 2", "with", true},
		{"'str'", "'str'", false},
		{`"select"`, `"select"`, false},
		{"(", "", false},
		{"", "", false},
	} {
		stmt := []byte(c.stmt)
		tok, ok := FirstKeyword(stmt)
		if ok != c.ok || string(stmt[tok.Start:tok.End]) != c.want {
			t.Errorf("FirstKeyword(%q) = %q, %v; want %q, %v", c.stmt, stmt[tok.Start:tok.End], ok, c.want, c.ok)
		}
	}
}

var dropAll, discardAll = Drop{All: true}, Drop{All: true, Discard: true}

// dropCases are statements and what ParseDrop makes of them.
var dropCases = []struct {
	stmt string
	want Drop
	name string // Drop.Name
	ok   bool
}{
	{"deallocate all", dropAll, "", true},
	{"DEALLOCATE ALL", dropAll, "", true},
	{"DeAllocate Prepare All ", dropAll, "", true},
	{"deallocate\n\tprepare /* c */ all -- bye", dropAll, "", true},
	{"deallocate all;", dropAll, "", true},
	{"deallocate all ; ;", dropAll, "", true},
	{"deallocate all\x00", dropAll, "", true},
	{"discard all", discardAll, "", true},
	{"DISCARD ALL", discardAll, "", true},
	{"Discard/**/All;", discardAll, "", true},
	{"deallocate x", Drop{NameStart: 11, NameEnd: 12}, "x", true},
	{"deallocate /* c */ x ;", Drop{NameStart: 19, NameEnd: 20}, "x", true},
	{"Deallocate  Stmt_1 -- bye", Drop{NameStart: 12, NameEnd: 18}, "stmt_1", true},
	{`DEALLOCATE PREPARE "Foo""Bar"`, Drop{NameStart: 19, NameEnd: 29}, `Foo"Bar`, true},
	{`deallocate "all"`, Drop{NameStart: 11, NameEnd: 16}, "all", true},
	{`deallocate "select"`, Drop{NameStart: 11, NameEnd: 19}, "select", true},
	{`deallocate u&"x"`, Drop{NameStart: 11, NameEnd: 16}, "x", true},
	{"deallocate prepare", Drop{NameStart: 11, NameEnd: 18}, "prepare", true},
	{"deallocate prepare;", Drop{NameStart: 11, NameEnd: 18}, "prepare", true},
	{"deallocate prepare prepare", Drop{NameStart: 19, NameEnd: 26}, "prepare", true},
	{"deallocate prepare ALL", dropAll, "", true},
	{"deallocate unique_name", Drop{NameStart: 11, NameEnd: 22}, "unique_name", true},
	{"deallocate int", Drop{NameStart: 11, NameEnd: 14}, "int", true},
	{`deallocate"a"""`, Drop{NameStart: 10, NameEnd: 15}, `a"`, true},
	// Not a drop.
	{"DISCARD PLANS", Drop{}, "", false},
	{"discard temp", Drop{}, "", false},
	{"discard TEMPORARY", Drop{}, "", false},
	{"discard sequences", Drop{}, "", false},
	{"discard", Drop{}, "", false},
	{"discard all all", Drop{}, "", false},
	{`discard "all"`, Drop{}, "", false},
	{"deallocate all extra", Drop{}, "", false},
	{"deallocate x y", Drop{}, "", false},
	{"deallocate x; select 1", Drop{}, "", false},
	{"deallocate", Drop{}, "", false},
	{"deallocate;", Drop{}, "", false},
	{"deallocate prepare prepare x", Drop{}, "", false},
	{"deallocate select", Drop{}, "", false},
	{"deallocate Unique", Drop{}, "", false},
	{"deallocate 'x'", Drop{}, "", false},
	{"deallocate $1", Drop{}, "", false},
	{"deallocate x.y", Drop{}, "", false},
	{`deallocate "x`, Drop{}, "", false},
	{`deallocate "x""`, Drop{}, "", false},
	{`DEALLOCATE"`, Drop{}, "", false},
	{`deallocate ""`, Drop{}, "", false},
	{`deallocate U&""`, Drop{}, "", false},
	{`deallocate U&"\0041"`, Drop{}, "", false},
	{`deallocate U&"a" UESCAPE '!'`, Drop{}, "", false},
	{"deallocatex all", Drop{}, "", false},
	{"(deallocate all)", Drop{}, "", false},
	{`"deallocate" all`, Drop{}, "", false},
	{"select 1", Drop{}, "", false},
	{"", Drop{}, "", false},
}

func TestParseDrop(t *testing.T) {
	for _, c := range dropCases {
		stmt := []byte(c.stmt)
		got, ok := ParseDrop(stmt)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseDrop(%q) = %+v, %v; want %+v, %v", c.stmt, got, ok, c.want, c.ok)
			continue
		}
		if name := got.Name(nil, stmt); string(name) != c.name {
			t.Errorf("ParseDrop(%q).Name = %q, want %q", c.stmt, name, c.name)
		}
	}
}

func TestSplitThenParseDrop(t *testing.T) {
	sql := []byte("select 1; deallocate /* c */ x ; DISCARD PLANS; discard all;\x00")
	var got []string
	s := Split(sql)
	for {
		stmt, _, ok := s.Next()
		if !ok {
			break
		}
		d, ok := ParseDrop(stmt)
		got = append(got, fmt.Sprintf("%v/%v/%s", ok, d.All, d.Name(nil, stmt)))
	}
	if want := []string{"false/false/", "true/false/x", "false/false/", "true/true/"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestKindString(t *testing.T) {
	if Word.String() != "Word" || Punct.String() != "Punct" || TokenKind(0).String() != "Invalid" || TokenKind(99).String() != "TokenKind(?)" {
		t.Error("TokenKind.String")
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct {
		b, w           string
		prefix, inside bool
	}{
		{"SET_CONFIG(", "set_config", true, true},
		{"select Set_Config(", "set_config", false, true},
		{"select 1", "set", false, false},
		{"se", "set", false, false},
		{"@ET", "`et", false, false}, // only A-Z fold
		{"DEALLOC", "dealloc", true, true},
	} {
		if HasPrefixFold([]byte(tc.b), tc.w) != tc.prefix || ContainsFold([]byte(tc.b), tc.w) != tc.inside {
			t.Errorf("%q %q: prefix %v inside %v", tc.b, tc.w, HasPrefixFold([]byte(tc.b), tc.w), ContainsFold([]byte(tc.b), tc.w))
		}
	}
}
