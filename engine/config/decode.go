// Typed decoding of TOML tables into config fields, collecting problems and warnings.

package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// field binds a TOML key to the Go value it fills. ptr is one of *string,
// a pointer to one of the string enumerations (enums.go), *int, *bool,
// *float64 or *time.Duration (read as milliseconds).
type field struct {
	key string
	ptr any
}

// source is where a value came from, for problems found after decoding.
type source struct {
	file string
	line int
	key  string
}

func (s source) problem(msg string) Problem {
	return Problem{File: s.file, Line: s.line, Key: s.key, Msg: msg}
}

// collector gathers problems and warnings over the whole load.
type collector struct {
	problems []Problem
	warnings []Problem       // Msg holds the whole warning text
	warned   map[string]bool // file + generic key already warned about
}

// sortByPlace orders problems by file (in order of first appearance) then line.
func sortByPlace(ps []Problem) {
	rank := map[string]int{}
	for _, p := range ps {
		if _, ok := rank[p.File]; !ok {
			rank[p.File] = len(rank)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ri, rj := rank[ps[i].File], rank[ps[j].File]; ri != rj {
			return ri < rj
		}
		return ps[i].Line < ps[j].Line
	})
}

// warningTexts returns the warnings in file and line order.
func (c *collector) warningTexts() []string {
	sortByPlace(c.warnings)
	out := make([]string, len(c.warnings))
	for i, w := range c.warnings {
		out[i] = w.Msg
	}
	return out
}

func (c *collector) add(p Problem) { c.problems = append(c.problems, p) }

// warnPgDogOnly records one warning per file and generic key (the entry index
// dropped, e.g. "databases.shard"), at the line of its first use, saying
// what pgdogd does instead.
func (c *collector) warnPgDogOnly(file string, line int, generic, instead string) {
	if c.warned == nil {
		c.warned = map[string]bool{}
	}
	if c.warned[file+"\x00"+generic] {
		return
	}
	c.warned[file+"\x00"+generic] = true
	c.warn(file, line, generic, fmt.Sprintf("key %s is a PgDog setting pgdogd does not implement; %s", generic, instead))
}

// warn records a warning about the configuration, prefixed by its place.
func (c *collector) warn(file string, line int, key, msg string) {
	at := file
	if line > 0 {
		at += ":" + strconv.Itoa(line)
	}
	c.warnings = append(c.warnings, Problem{File: file, Line: line, Key: key, Msg: at + ": " + msg})
}

// fileTables is one decoded file with the line of every key.
type fileTables struct {
	name   string // base name, for problems
	lines  keyLines
	parsed bool // read and parsed without error
}

// at returns the source of key under path ("general", "databases[2]");
// an absent key points at the table's header line.
func (f *fileTables) at(path, key string) source {
	full := path
	if key != "" {
		full = path + "." + key
	}
	line, ok := f.lines[full]
	if !ok {
		line = f.lines[path]
	}
	return source{file: f.name, line: line, key: full}
}

// decodeTable fills fields from table t found at path. Keys in pgdogOnly get a
// warning, other unknown keys a problem. It returns the keys it decoded.
func (c *collector) decodeTable(f *fileTables, path, generic string, t map[string]any,
	fields []field, pgdogOnly ignoredKeys) map[string]bool {
	byKey := make(map[string]any, len(fields))
	for _, fl := range fields {
		byKey[fl.key] = fl.ptr
	}
	present := map[string]bool{}
	for _, k := range sortedKeys(t) {
		src := f.at(path, k)
		ptr, ok := byKey[k]
		switch {
		case ok:
			if err := assign(ptr, t[k]); err != nil {
				c.add(src.problem(err.Error()))
				continue
			}
			present[k] = true
		case pgdogOnly[k] != "":
			c.warnPgDogOnly(f.name, src.line, generic+"."+k, pgdogOnly[k])
		default:
			c.add(src.problem("unknown key"))
		}
	}
	return present
}

// alias reports an entry giving both a key and its other name, and counts
// the other name as the key.
func (c *collector) alias(f *fileTables, path string, present map[string]bool, key, other string) {
	if present[key] && present[other] {
		c.add(f.at(path, other).problem(fmt.Sprintf("is another name of %s; give only one of them", key)))
	}
	present[key] = present[key] || present[other]
}

func sortedKeys(t map[string]any) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// assign stores a decoded TOML value into ptr, checking its type and range.
func assign(ptr any, v any) error {
	switch p := ptr.(type) {
	case *string:
		return assignText(p, v)
	case *Mode:
		return assignText(p, v)
	case *AuthType:
		return assignText(p, v)
	case *PreparedMode:
		return assignText(p, v)
	case *MirrorLevel:
		return assignText(p, v)
	case *LoadBalancingStrategy:
		return assignText(p, v)
	case *ReadWriteStrategy:
		return assignText(p, v)
	case *ReadWriteSplit:
		return assignText(p, v)
	case *[]string:
		return assignTexts(p, v)
	case *bool:
		b, ok := v.(bool)
		if !ok {
			return typeError("true or false", v)
		}
		*p = b
	case *float64:
		switch n := v.(type) {
		case float64:
			*p = n
		case int64:
			*p = float64(n)
		default:
			return typeError("a number", v)
		}
	case *int:
		n, err := nonNegative(v)
		if err != nil {
			return err
		}
		*p = int(n)
	case *time.Duration:
		n, err := nonNegative(v)
		if err != nil {
			return err
		}
		*p = Never // PgDog writes its maxima for "never"; so is anything longer than Never
		if n < int64(Never/time.Millisecond) {
			*p = time.Duration(n) * time.Millisecond
		}
	default:
		panic(fmt.Sprintf("config: unsupported field type %T", ptr))
	}
	return nil
}

// assignText stores a TOML string into a string field or an enumeration;
// the registry or the entry checks the value.
func assignText[T ~string](p *T, v any) error {
	s, ok := v.(string)
	if !ok {
		return typeError("a string", v)
	}
	*p = T(s)
	return nil
}

// assignTexts stores a TOML array of strings.
func assignTexts(p *[]string, v any) error {
	a, ok := v.([]any)
	if !ok {
		return typeError("an array of strings", v)
	}
	out := make([]string, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return typeError("an array of strings", v)
		}
		out[i] = s
	}
	*p = out
	return nil
}

func nonNegative(v any) (int64, error) {
	n, ok := v.(int64)
	if !ok {
		return 0, typeError("an integer", v)
	}
	if n < 0 {
		return 0, fmt.Errorf("must not be negative, got %d", n)
	}
	return n, nil
}

// typeError describes a value of the wrong TOML type.
func typeError(want string, v any) error {
	return fmt.Errorf("expected %s, got %s", want, describe(v))
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + strconv.Quote(x)
	case int64:
		return "integer " + strconv.FormatInt(x, 10)
	case float64:
		return "float " + strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// assignString parses an environment variable's text into ptr.
func assignString(ptr any, s string) error {
	switch p := ptr.(type) {
	case *string, *Mode, *AuthType, *PreparedMode, *MirrorLevel,
		*LoadBalancingStrategy, *ReadWriteStrategy, *ReadWriteSplit:
		return assign(ptr, s)
	case *bool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			*p = true
		case "false", "0", "no", "off":
			*p = false
		default:
			return fmt.Errorf("expected true or false, got %q", s)
		}
	case *float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("expected a number, got %q", s)
		}
		*p = f
	case *int, *time.Duration:
		n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil {
			return fmt.Errorf("expected an integer, got %q", s)
		}
		return assign(ptr, n)
	default:
		panic(fmt.Sprintf("config: unsupported field type %T", ptr))
	}
	return nil
}
