// params.go holds session parameters: what a client asked for, what a server has, and the SET that reconciles them.

package engine

import (
	"slices"
	"strings"

	"github.com/pgdogd/pgdogd/codec"
)

// param is one setting. Name is lower case; display keeps PostgreSQL's spelling for ParameterStatus.
type param struct {
	name, display, value string
	reported             bool // PostgreSQL reports it with ParameterStatus (GUC_REPORT)
}

// params is a small list of settings; lookups are linear (a dozen entries).
// Methods that change it return the new list, like append.
type params []param

// reportedNames are the settings PostgreSQL 15 reports with ParameterStatus.
var reportedNames = map[string]string{
	"application_name": "application_name", "client_encoding": "client_encoding", "datestyle": "DateStyle",
	"default_transaction_read_only": "default_transaction_read_only", "in_hot_standby": "in_hot_standby",
	"integer_datetimes": "integer_datetimes", "intervalstyle": "IntervalStyle", "is_superuser": "is_superuser",
	"server_encoding": "server_encoding", "server_version": "server_version", "session_authorization": "session_authorization",
	"standard_conforming_strings": "standard_conforming_strings", "timezone": "TimeZone",
}

// readOnlyNames cannot be SET by a client; they describe the server.
var readOnlyNames = map[string]bool{
	"server_version": true, "server_encoding": true, "integer_datetimes": true, "is_superuser": true,
	"session_authorization": true, "in_hot_standby": true,
}

func newParam(name, value string) param {
	lower := strings.ToLower(name)
	display, reported := reportedNames[lower]
	if !reported {
		display = lower
	}
	return param{name: lower, display: display, value: value, reported: reported}
}

// index finds a setting by its lower-case name.
func (ps params) index(name string) int {
	for i := range ps {
		if ps[i].name == name {
			return i
		}
	}
	return -1
}

// get returns a setting's value.
func (ps params) get(name string) (string, bool) {
	if i := ps.index(name); i >= 0 {
		return ps[i].value, true
	}
	return "", false
}

func (ps params) has(name string) bool { return ps.index(name) >= 0 }

// set adds or replaces a setting. It allocates only when the value changes.
func (ps params) set(name, value string) params {
	name = strings.ToLower(name)
	if i := ps.index(name); i >= 0 {
		if ps[i].value != value {
			ps[i].value = value
		}
		return ps
	}
	return append(ps, newParam(name, value))
}

// key returns the settings as one string, the same whatever their order:
// the key of a pool's cache of settings a server accepted.
func (ps params) key() string {
	if len(ps) == 0 {
		return ""
	}
	sorted := ps.clone()
	slices.SortFunc(sorted, func(a, b param) int { return strings.Compare(a.name, b.name) })
	var b strings.Builder
	for _, p := range sorted {
		b.WriteString(p.name)
		b.WriteByte('=')
		b.WriteString(p.value)
		b.WriteByte(0)
	}
	return b.String()
}

// adopt takes the values of the reported settings in spelled (as the server
// spells them) for the settings the list has.
func (ps params) adopt(spelled params) params {
	for _, p := range spelled {
		if p.reported && ps.has(p.name) {
			ps = ps.set(p.name, p.value)
		}
	}
	return ps
}

// clone copies the list, so that two owners can change theirs.
func (ps params) clone() params { return append(params(nil), ps...) }

// dropUnreported forgets settings PostgreSQL does not report: after DISCARD
// ALL they are back to their defaults, which pgdogd cannot know.
func (ps params) dropUnreported() params {
	out := ps[:0]
	for _, p := range ps {
		if p.reported {
			out = append(out, p)
		}
	}
	return out
}

// appendSync appends to sql the statements that make a server with settings
// have into one with settings want, where defs are a fresh server's values.
// It returns the new server settings. No statement is added when they agree.
func appendSync(sql []byte, have, want, defs params) ([]byte, params) {
	for _, w := range want {
		if readOnlyNames[w.name] {
			continue // it describes the server or the role: never set by pgdogd
		}
		if v, ok := have.get(w.name); ok && v == w.value {
			continue
		}
		sql = appendSet(sql, w.name, w.value)
		if !w.reported { // a reported one is recorded as the server reports it (ParameterStatus)
			have = have.set(w.name, w.value)
		}
	}
	for i := 0; i < len(have); i++ {
		h := have[i]
		if readOnlyNames[h.name] || want.has(h.name) {
			continue
		}
		if d, ok := defs.get(h.name); ok {
			if d != h.value {
				sql = appendSet(sql, h.name, d)
				have[i].value = d
			}
			continue
		}
		sql = append(sql, "RESET "...)
		sql = appendIdent(sql, h.name)
		sql = append(sql, ';')
		have = append(have[:i], have[i+1:]...)
		i--
	}
	return sql, have
}

// noTimeout opens each query of pgdogd's own that must not be cut by the
// statement_timeout a client left on the server: the query's statements run
// in one implicit transaction, where this setting lasts until its end.
const noTimeout = "SET LOCAL statement_timeout = 0;"

// appendSettingsQuery appends the Query that makes a server with settings
// have into one with settings want (defs: a fresh server's values), and
// returns the server's new settings; ok is false, and b as it was, when
// they already agree.
func appendSettingsQuery(b []byte, have, want, defs params) (out []byte, after params, ok bool) {
	out, start := codec.BeginQuery(b)
	out = append(out, noTimeout...)
	body := len(out)
	out, after = appendSync(out, have, want, defs)
	if len(out) == body {
		return b, after, false
	}
	return codec.FinishQuery(out, start), after, true
}

// appendSet sets a parameter with set_config, which reads the value as a
// startup parameter would be read (a list stays a list: search_path = 'a, b').
func appendSet(sql []byte, name, value string) []byte {
	sql = append(sql, "SELECT pg_catalog.set_config("...)
	sql = appendLiteral(sql, name)
	sql = append(sql, ", "...)
	sql = appendLiteral(sql, value)
	return append(sql, ", false);"...)
}

// appendIdent quotes an identifier for SQL.
func appendIdent(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendLiteral quotes a string literal for SQL (standard_conforming_strings on, as E” is not needed).
func appendLiteral(b []byte, s string) []byte {
	b = append(b, 'E', '\'')
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			b = append(b, '\'', '\'')
		case '\\':
			b = append(b, '\\', '\\')
		default:
			b = append(b, s[i])
		}
	}
	return append(b, '\'')
}

// parseOptions reads the startup "options" parameter: -c name=value and
// --name=value, with backslash escaping spaces, as PostgreSQL does.
func parseOptions(opts string) (params, bool) {
	var out params
	words := splitOptions(opts)
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			w = words[i]
		case strings.HasPrefix(w, "-c"):
			w = w[2:]
		case strings.HasPrefix(w, "--"):
			w = w[2:]
		default:
			return nil, false
		}
		name, value, ok := strings.Cut(w, "=")
		if !ok || name == "" {
			return nil, false
		}
		out = out.set(strings.ReplaceAll(name, "-", "_"), value)
	}
	return out, true
}

func splitOptions(s string) []string {
	var words []string
	var cur strings.Builder
	esc := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case esc:
			cur.WriteByte(ch)
			esc = false
		case ch == '\\':
			esc = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}
