// params.go holds session parameters: a list of settings, what PostgreSQL reports of them, and the startup options parameter.

package session

import (
	"slices"
	"strings"
)

// Param is one setting. Name is lower case; display keeps PostgreSQL's spelling for ParameterStatus.
type Param struct {
	Name, Display, Value string
	Reported             bool // PostgreSQL reports it with ParameterStatus (GUC_REPORT)
}

// Params is a small list of settings; lookups are linear (a dozen entries).
// Methods that change it return the new list, like append.
type Params []Param

// reportedNames are the settings PostgreSQL 15 reports with ParameterStatus.
var reportedNames = map[string]string{
	"application_name": "application_name", "client_encoding": "client_encoding", "datestyle": "DateStyle",
	"default_transaction_read_only": "default_transaction_read_only", "in_hot_standby": "in_hot_standby",
	"integer_datetimes": "integer_datetimes", "intervalstyle": "IntervalStyle", "is_superuser": "is_superuser",
	"server_encoding": "server_encoding", "server_version": "server_version", "session_authorization": "session_authorization",
	"standard_conforming_strings": "standard_conforming_strings", "timezone": "TimeZone",
}

// IsReadOnly reports whether the setting (lower case) describes the server
// or the role: a client cannot SET it, and pgdogd never does.
func IsReadOnly(name string) bool { return readOnlyNames[name] }

// readOnlyNames cannot be SET by a client; they describe the server.
var readOnlyNames = map[string]bool{
	"server_version": true, "server_encoding": true, "integer_datetimes": true, "is_superuser": true,
	"session_authorization": true, "in_hot_standby": true,
}

func NewParam(name, value string) Param {
	lower := strings.ToLower(name)
	display, reported := reportedNames[lower]
	if !reported {
		display = lower
	}
	return Param{Name: lower, Display: display, Value: value, Reported: reported}
}

// index finds a setting by its lower-case name.
func (ps Params) index(name string) int {
	for i := range ps {
		if ps[i].Name == name {
			return i
		}
	}
	return -1
}

// Get returns a setting's value.
func (ps Params) Get(name string) (string, bool) {
	if i := ps.index(name); i >= 0 {
		return ps[i].Value, true
	}
	return "", false
}

// Has reports whether the list has the setting.
func (ps Params) Has(name string) bool { return ps.index(name) >= 0 }

// Set adds or replaces a setting. It allocates only when the value changes.
func (ps Params) Set(name, value string) Params {
	name = strings.ToLower(name)
	if i := ps.index(name); i >= 0 {
		if ps[i].Value != value {
			ps[i].Value = value
		}
		return ps
	}
	return append(ps, NewParam(name, value))
}

// Key returns the settings as one string, the same whatever their order:
// the key of a pool's cache of settings a server accepted.
func (ps Params) Key() string {
	if len(ps) == 0 {
		return ""
	}
	sorted := ps.Clone()
	slices.SortFunc(sorted, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	var b strings.Builder
	for _, p := range sorted {
		b.WriteString(p.Name)
		b.WriteByte('=')
		b.WriteString(p.Value)
		b.WriteByte(0)
	}
	return b.String()
}

// Adopt takes the values of the reported settings in spelled (as the server
// spells them) for the settings the list has.
func (ps Params) Adopt(spelled Params) Params {
	for _, p := range spelled {
		if p.Reported && ps.Has(p.Name) {
			ps = ps.Set(p.Name, p.Value)
		}
	}
	return ps
}

// Clone copies the list, so that two owners can change theirs.
func (ps Params) Clone() Params { return append(Params(nil), ps...) }

// DropUnreported forgets settings PostgreSQL does not report: after DISCARD
// ALL they are back to their defaults, which pgdogd cannot know.
func (ps Params) DropUnreported() Params {
	out := ps[:0]
	for _, p := range ps {
		if p.Reported {
			out = append(out, p)
		}
	}
	return out
}

// ParseOptions reads the startup "options" parameter: -c name=value and
// --name=value, with backslash escaping spaces, as PostgreSQL does.
func ParseOptions(opts string) (Params, bool) {
	var out Params
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
		out = out.Set(strings.ReplaceAll(name, "-", "_"), value)
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
