// parse_test.go holds the tests of the admin console's parser: table tests, answers of Answer, and FuzzAdminParse.

package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgdogd/pgdogd/codec"
	"github.com/pgdogd/pgdogd/codec/sqlscan"
	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// The two injections the parser closes.
const (
	injectShutdown = `SET mirror_exposure TO '0.5''; SHUTDOWN; --'`
	injectShow     = `SET mirror_exposure TO '0.1; SHOW VERSION'`
)

// cmd is a parsed command as the tests spell it: its name, then its arguments.
func cmd(name string, args ...string) adminStmt { return adminStmt{name: name, args: args} }

func TestParseAdmin(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []adminStmt
	}{
		// The injections are one SET each, whose value is the whole literal.
		{injectShutdown, []adminStmt{cmd("set", "mirror_exposure", "0.5'; SHUTDOWN; --")}},
		{injectShow, []adminStmt{cmd("set", "mirror_exposure", "0.1; SHOW VERSION")}},
		// Doubled quotes.
		{`SET k TO 'it''s'`, []adminStmt{cmd("set", "k", "it's")}},
		{`SET k TO ''''`, []adminStmt{cmd("set", "k", "'")}},
		{`SET k TO ''`, []adminStmt{cmd("set", "k", "")}},
		{`SET "we""ird" = 1`, []adminStmt{cmd("set", `we"ird`, "1")}},
		{`PAUSE "My""Db"`, []adminStmt{cmd("pause", `My"Db`)}},
		// Comments hide ';', and nest.
		{"SHOW POOLS /* ; SHUTDOWN */; SHOW VERSION -- ; SHUTDOWN", []adminStmt{cmd("show pools"), cmd("show version")}},
		{"SHOW POOLS /* /* */ ; SHUTDOWN */", []adminStmt{cmd("show pools")}},
		{"-- SHUTDOWN\nRELOAD", []adminStmt{cmd("reload")}},
		{"SHOW/**/VERSION", []adminStmt{cmd("show version")}},
		// Trailing, doubled and lone ';', and empty queries.
		{"SHOW VERSION;", []adminStmt{cmd("show version")}},
		{";; SHOW VERSION ;; SHOW LISTS;;", []adminStmt{cmd("show version"), cmd("show lists")}},
		{"", []adminStmt{}},
		{" ; ;\n", []adminStmt{}},
		{"-- nothing\n/* at all */", []adminStmt{}},
		// Case: command words and keys fold, values and databases do not.
		{"sHoW pOoLs", []adminStmt{cmd("show pools")}},
		{"set MIRROR_Exposure to ON", []adminStmt{cmd("set", "mirror_exposure", "ON")}},
		{`SET "Mixed" TO 1`, []adminStmt{cmd("set", "Mixed", "1")}},
		{"pause MyDb", []adminStmt{cmd("pause", "MyDb")}},
		// SET with TO and =, spaces or none, signs, words and E'...'.
		{"SET k=0.5", []adminStmt{cmd("set", "k", "0.5")}},
		{"SET k = -1", []adminStmt{cmd("set", "k", "-1")}},
		{"SET k TO + 2", []adminStmt{cmd("set", "k", "+2")}},
		{"SET k TO .5e-3", []adminStmt{cmd("set", "k", ".5e-3")}},
		{`SET k TO E'a\'b\\c\n\t\x41\101\u00e9\U0001F600'`, []adminStmt{cmd("set", "k", "a'b\\c\n\tAAé😀")}},
		{`SET k TO E'\ud83d\ude00 \q'`, []adminStmt{cmd("set", "k", "😀 q")}},
		{`SET k TO 'a\b'`, []adminStmt{cmd("set", "k", `a\b`)}},
		// Quoted values holding ';', '--' and '/*'.
		{"SET k TO '; --'; SHOW VERSION", []adminStmt{cmd("set", "k", "; --"), cmd("show version")}},
		{"SET k TO '/* ;'; SHOW LISTS", []adminStmt{cmd("set", "k", "/* ;"), cmd("show lists")}},
		{`SET k TO E'\'; SHUTDOWN; --'`, []adminStmt{cmd("set", "k", "'; SHUTDOWN; --")}},
		// A string continues across a newline, even past a comment.
		{"SET k TO '0.'\n'5'", []adminStmt{cmd("set", "k", "0.5")}},
		{"SET k TO '0.' -- it's\n  '5'; RELOAD", []adminStmt{cmd("set", "k", "0.5"), cmd("reload")}},
		// Databases.
		{"PAUSE; RESUME db; RECONNECT 'db'", []adminStmt{cmd("pause"), cmd("resume", "db"), cmd("reconnect", "db")}},
		// Column lists: commas or white space, names folded unless quoted.
		{"SHOW CLIENTS", []adminStmt{cmd("show clients")}},
		{"show clients ID, Prepared_Statements,application_name", []adminStmt{cmd("show clients", "id", "prepared_statements", "application_name")}},
		{`SHOW SERVERS remote_pid "Pool_id"`, []adminStmt{cmd("show servers", "remote_pid", "Pool_id")}},
		{"SHOW PREPARED STATEMENTS; SHOW PREPARED", []adminStmt{cmd("show prepared statements"), cmd("show prepared")}},
	} {
		got, err := parseAdmin(tc.query)
		if err != nil {
			t.Errorf("%q: %v", tc.query, err)
			continue
		}
		for i := range got {
			got[i].text = ""
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.query, got, tc.want)
		}
	}
}

func TestParseAdminErrors(t *testing.T) {
	for _, tc := range []struct{ query, mention string }{
		// Unterminated strings, identifiers and comments: one error, even
		// for the commands before them.
		{"SET mirror_exposure TO '0.5''; SHUTDOWN; --", "unterminated quoted string"},
		{"SHOW VERSION; SET k TO 'x", "unterminated quoted string"},
		{`SET k TO E'x\'`, "unterminated quoted string"},
		{`SET k TO E'x\`, "unterminated quoted string"},
		{`PAUSE "db`, "unterminated quoted identifier"},
		{`PAUSE "db""`, "unterminated quoted identifier"},
		{"SHUTDOWN; SHOW VERSION /* ;", "unterminated /* comment"},
		{"/* /* */", "unterminated /* comment"},
		// Unknown commands and arguments where none go.
		{"FROBNICATE", "unknown admin command: FROBNICATE"},
		{"SHOW NONSENSE", "unknown admin command: SHOW NONSENSE"},
		{"SHUTDOWN; SHOW", "unknown admin command: SHOW"},
		{`"SHOW" POOLS`, "unknown admin command"},
		{"SHOW POOLS now", "SHOW POOLS takes no arguments"},
		{"SHUTDOWN now", "SHUTDOWN takes no arguments"},
		{"SHOW PREPARED STATEMENTS now", "SHOW PREPARED STATEMENTS takes no arguments"},
		{"SHOW CLIENTS user,", "cannot end with a comma"},
		{"SHOW CLIENTS ,user", `usage: SHOW CLIENTS [column, ...], got ","`},
		{"SHOW CLIENTS user,,id", `usage: SHOW CLIENTS [column, ...], got ","`},
		{"SHOW SERVERS 'user'", `usage: SHOW SERVERS [column, ...], got "'user'"`},
		{"SHOW SERVERS *", `usage: SHOW SERVERS [column, ...], got "*"`},
		{"PAUSE a b", "usage: PAUSE [database]"},
		{"PAUSE my-db", "usage: PAUSE [database]"},
		{"RESUME 1", "usage: RESUME [database]"},
		// SET's shape.
		{"SET", "usage: SET key TO 'value'"},
		{"SET k TO", "usage: SET key TO 'value'"},
		{"SET k 1", "usage: SET key TO 'value'"},
		{"SET k 1 2", `at or near "1"`},
		{"SET k TO 1 2", `at or near "2"`},
		{"SET k TO 0.5abc", `at or near "abc"`},
		{"SET 'k' TO 1", `at or near "'k'"`},
		{"SET k TO (1)", `at or near "("`},
		{"SET k TO 1, 2", `at or near ","`},
		{"SET k TO -", `at or near "-"`},
		{"SHOW (; SHUTDOWN", "SHOW"},
		// Literals and tokens outside the dialect.
		{"SET k TO $$x$$", "only '...' and E'...' strings"},
		{"SET k TO B'01'", "only '...' and E'...' strings"},
		{"SET k TO U&'x'", "only '...' and E'...' strings"},
		{`SET U&"k" TO 1`, `only "..." quoted identifiers`},
		{`SET "" TO 1`, "zero-length quoted identifier"},
		{"SET k TO $1", "parameters"},
		{`SET k TO E'\0'`, "NUL"},
		{`SET k TO E'\u12'`, "invalid Unicode escape"},
		{`SET k TO E'\ud83d'`, "invalid Unicode escape"},
		{`SET k TO E'\U00110000'`, "invalid Unicode escape"},
		{"SHOW VERSION\x00; SHUTDOWN", "NUL"},
	} {
		got, err := parseAdmin(tc.query)
		var ae *adminError
		if !errors.As(err, &ae) || ae.code != codec.CodeSyntaxError || !strings.Contains(ae.msg, tc.mention) || got != nil {
			t.Errorf("%q: %v, %v; want one syntax error mentioning %q and no commands", tc.query, got, err, tc.mention)
		}
	}
}

// TestAdminCommandsTable: every command's name is at most adminMaxWords
// lower-case words, so parseCommand can find it.
func TestAdminCommandsTable(t *testing.T) {
	for name, c := range adminCommands {
		if len(strings.Fields(name)) > adminMaxWords || name != strings.ToLower(name) || c.run == nil {
			t.Errorf("command %q: not found by parseCommand", name)
		}
	}
}

// answer runs query on e's console and describes its answer, a string a
// message: a CommandComplete's tag, "rows" for a RowDescription, "E" or "N"
// and the SQLSTATE for an ErrorResponse or a NoticeResponse, "empty" for an
// EmptyQueryResponse.
func answer(t *testing.T, c *Console, query string) []string {
	t.Helper()
	fe := pgproto3.NewFrontend(bytes.NewReader(c.Answer(nil, query)), io.Discard)
	var got []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			return got
		}
		switch m := msg.(type) {
		case *pgproto3.CommandComplete:
			got = append(got, string(m.CommandTag))
		case *pgproto3.RowDescription:
			got = append(got, "rows")
		case *pgproto3.ErrorResponse:
			got = append(got, "E "+m.Code)
		case *pgproto3.NoticeResponse:
			got = append(got, "N "+m.Code)
		case *pgproto3.EmptyQueryResponse:
			got = append(got, "empty")
		}
	}
}

func TestRunAdmin(t *testing.T) {
	ctl := &fakeControl{}
	c := New(&enginetest.Snapshot{}, ctl)
	for _, tc := range []struct {
		query    string
		want     []string
		exposure float64 // mirror_exposure after the query
	}{
		// The injections are one SET each, of a value that is not a number.
		{injectShutdown, []string{"E 22023"}, 0},
		{injectShow, []string{"E 22023"}, 0},
		// A syntax error anywhere: one error, and nothing runs.
		{"SET mirror_exposure TO 0.75; SHOW VERSION; SET k TO 'x", []string{"E 42601"}, 0},
		{"SET mirror_exposure TO 0.75; SHUTDOWN now", []string{"E 42601"}, 0},
		// Commands run in order; the first one that fails ends the query.
		{"SET mirror_exposure TO 0.25; SHOW VERSION", []string{"SET", "rows", "SHOW"}, 0.25},
		{"SET mirror_exposure = '0.5'; SET no_such_key TO 1; SHUTDOWN", []string{"SET", "E 42704"}, 0.5},
		{"SHOW VERSION; SET mirror_exposure TO 2; SHUTDOWN", []string{"rows", "SHOW", "E 22023"}, 0.5},
		{" ; -- nothing", []string{"empty"}, 0.5},
	} {
		if got := answer(t, c, tc.query); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: answer %v, want %v", tc.query, got, tc.want)
		}
		if x := ctl.exposure; x != tc.exposure {
			t.Errorf("%q: mirror_exposure %v after, want %v", tc.query, x, tc.exposure)
		}
	}
}

// fuzzSeeds are FuzzAdminParse's seeds: a query, and a literal to quote.
var fuzzSeeds = [][2]string{
	{injectShutdown, "0.5'; SHUTDOWN; --"},
	{injectShow, "0.1; SHOW VERSION"},
	{"SHOW POOLS /* /* ; */ ; */; RESUME \"a;b\"", `a"b;c\d`},
	{"SET k TO E'\\';' -- ;\n; SHUTDOWN", "\\'\n'"},
	{"SET k TO '0.'\n'5' ; PAUSE 'x''y'", "/* ; -- */"},
	{"SET k TO E'\\u00e9\\x4' ; RELOAD", ""},
}

// FuzzAdminParse: parseAdmin never panics; it fails with one syntax error
// and no commands, or its commands are known and are sqlscan.Split's
// statements one for one; and a literal, whatever it holds, quoted into a
// SET is that SET's value, never the start of another command.
func FuzzAdminParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, lit string) {
		checkParse(t, query)
		if strings.IndexByte(lit, 0) < 0 {
			checkLiteral(t, lit)
		}
	})
}

func checkParse(t *testing.T, query string) {
	stmts, err := parseAdmin(query)
	if err != nil {
		var ae *adminError
		if !errors.As(err, &ae) || ae.code != codec.CodeSyntaxError || stmts != nil {
			t.Fatalf("%q: %v, %v; want a syntax error and no commands", query, stmts, err)
		}
		return
	}
	split := sqlscan.Split([]byte(query))
	for _, st := range stmts {
		c, ok := adminCommands[st.name]
		if !ok || c.syntax == syntaxSet && len(st.args) != 2 || (c.syntax == syntaxNone || c.syntax == syntaxDatabase) && len(st.args) > 1 {
			t.Fatalf("%q: command %+v", query, st)
		}
		stmt, _, ok := split.Next()
		if !ok || !strings.Contains(string(stmt), st.text) {
			t.Fatalf("%q: command %q, but sqlscan.Split's statement is %q", query, st.text, stmt)
		}
	}
	if stmt, _, ok := split.Next(); ok {
		t.Fatalf("%q: sqlscan.Split's statement %q is no command", query, stmt)
	}
}

func checkLiteral(t *testing.T, lit string) {
	eQuoted := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(lit)
	forms := [][3]string{
		{"SET mirror_exposure TO '" + strings.ReplaceAll(lit, "'", "''") + "'; SHOW VERSION", "mirror_exposure", lit},
		{"SET mirror_exposure=E'" + eQuoted + "';SHOW VERSION", "mirror_exposure", lit},
	}
	if lit != "" {
		forms = append(forms, [3]string{`SET "` + strings.ReplaceAll(lit, `"`, `""`) + `" TO 1 ; SHOW VERSION`, lit, "1"})
	}
	for _, f := range forms {
		stmts, err := parseAdmin(f[0])
		want := []adminStmt{cmd("set", f[1], f[2]), cmd("show version")}
		for i := range stmts {
			stmts[i].text = ""
		}
		if err != nil || !reflect.DeepEqual(stmts, want) {
			t.Fatalf("%q: %+v, %v; want %s", f[0], stmts, err, fmt.Sprint(want))
		}
	}
}
