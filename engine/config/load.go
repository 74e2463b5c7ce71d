// Load: reading pgdog.toml and users.toml into a validated Config.

package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// Load reads both files, applies PgDog's defaults and the PGDOG_<KEY>
// environment overrides of [general] (e.g. PGDOG_PORT=7000,
// PGDOG_POOLER_MODE=session; a set variable wins over the file), validates,
// and returns every problem at once as an *Error. users.toml's [admin], when
// present, replaces pgdog.toml's, as in PgDog. An empty usersPath means no users.
func Load(configPath, usersPath string) (*Config, error) {
	return LoadFrom(configPath, usersPath, Sources{})
}

// LoadFrom is Load with the command line's sources too (see Sources).
func LoadFrom(configPath, usersPath string, s Sources) (*Config, error) {
	c := &collector{}
	cfg := &Config{ConfigPath: configPath, UsersPath: usersPath, Sources: s, General: defaultGeneral()}
	urls := urlsOf(s)
	cf, ctop := c.readFile(configPath, len(urls.urls) > 0)
	var uf *fileTables
	var utop map[string]any
	if usersPath != "" {
		uf, utop = c.readFile(usersPath, len(urls.urls) > 0)
	}
	adminFile := c.decodeConfig(cfg, cf, ctop)
	users, uadmin := c.splitUsers(uf, utop)
	entries := make([]userEntry, len(users))
	for i, t := range users {
		entries[i] = c.decodeUser(uf, i, t)
	}
	cfg.Users = c.expandUsers(uf, entries, cfg.Databases, cf.parsed)
	if uf != nil {
		c.checkLogins(cfg, uf)
	}
	if uadmin != nil {
		cfg.Admin = c.decodeAdmin(uf, uadmin)
		adminFile = uf
	}
	if len(urls.urls) > 0 {
		cf = c.applyURLs(cfg, urls)
		uf = cf
	}
	c.checkReferences(cfg, cf, uf, adminFile)
	return c.finish(cfg, uf, adminFile)
}

// Reload loads the configuration again from where c was loaded.
func (c *Config) Reload() (*Config, error) {
	return LoadFrom(c.ConfigPath, c.UsersPath, c.Sources)
}

// decodeConfig reads pgdog.toml's sections into cfg, [general] with its
// environment and command-line overrides, and returns the file [admin] came from.
func (c *collector) decodeConfig(cfg *Config, cf *fileTables, ctop map[string]any) *fileTables {
	sections := c.splitConfig(cf, ctop)
	src := c.decodeGeneral(cf, sections.general, &cfg.General)
	c.applyEnv(&cfg.General, src)
	c.applyOverrides(&cfg.General, src, cfg.Sources.Overrides)
	c.checkGeneral(&cfg.General, src)
	c.warnPassthroughOff(cf, &cfg.General)
	for i, t := range sections.databases {
		cfg.Databases = append(cfg.Databases, c.decodeDatabase(cf, i, t))
	}
	for i, t := range sections.mirroring {
		cfg.Mirrors = append(cfg.Mirrors, c.decodeMirror(cf, i, t, &cfg.General))
	}
	cfg.Admin = c.decodeAdmin(cf, sections.admin)
	return cf
}

// finish fills the admin password and checks it as the start reads it (the
// users' passwords are checked as they are decoded), and returns cfg with
// its warnings, or every problem found.
func (c *collector) finish(cfg *Config, uf, adminFile *fileTables) (*Config, error) {
	fromEnv := cfg.Admin.Password == ""
	if err := fillAdminPassword(&cfg.Admin); err != nil {
		return nil, err
	}
	c.checkAdminPassword(&cfg.Admin, adminFile, fromEnv && !cfg.Admin.PasswordGenerated)
	if len(c.problems) > 0 {
		sortByPlace(c.problems)
		return nil, &Error{Problems: c.problems}
	}
	cfg.Warnings = c.warningTexts()
	return cfg, nil
}

// readFile reads one TOML file, expands its ${VAR} references and parses it. On failure it records a problem and
// returns the file with empty tables, so that the other file is still checked. A missing optional file (when
// database URLs give the databases) is a warning, as in PgDog.
func (c *collector) readFile(path string, optional bool) (*fileTables, map[string]any) {
	f := &fileTables{name: filepath.Base(path), lines: keyLines{}}
	data, err := os.ReadFile(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		c.warn(f.name, 0, "", "cannot read file, PgDog's defaults apply: "+err.Error())
		return f, nil
	}
	if err != nil {
		c.add(Problem{File: f.name, Msg: "cannot read file: " + err.Error()})
		return f, nil
	}
	text := expandEnv(string(data))
	f.lines = scanKeyLines(text)
	top := map[string]any{}
	if _, err := toml.Decode(text, &top); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			c.add(Problem{File: f.name, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message})
		} else {
			c.add(Problem{File: f.name, Msg: "cannot parse: " + err.Error()})
		}
		return f, nil
	}
	f.parsed = true
	return f, top
}

// configSections are the parts of pgdog.toml that pgdogd reads.
type configSections struct {
	general, admin       map[string]any
	databases, mirroring []map[string]any
}

// splitConfig sorts pgdog.toml's top-level keys into sections, warning about
// PgDog-only sections and reporting unknown ones.
func (c *collector) splitConfig(f *fileTables, top map[string]any) configSections {
	var s configSections
	for _, k := range sortedKeys(top) {
		switch k {
		case "general":
			s.general = c.table(f, k, top[k])
		case "admin":
			s.admin = c.table(f, k, top[k])
		case "databases":
			s.databases = c.tableArray(f, k, top[k])
		case "mirroring":
			s.mirroring = c.tableArray(f, k, top[k])
		default:
			c.otherTopKey(f, k, top[k], pgdogOnlySections)
		}
	}
	return s
}

// splitUsers returns users.toml's [[users]] entries and its [admin] table.
func (c *collector) splitUsers(f *fileTables, top map[string]any) ([]map[string]any, map[string]any) {
	var users []map[string]any
	var admin map[string]any
	for _, k := range sortedKeys(top) {
		switch k {
		case "users":
			users = c.tableArray(f, k, top[k])
		case "admin":
			admin = c.table(f, k, top[k])
		default:
			c.otherTopKey(f, k, top[k], nil)
		}
	}
	return users, admin
}

// otherTopKey warns about a known PgDog-only section, whose keys are
// checked, or reports an unknown key.
func (c *collector) otherTopKey(f *fileTables, k string, v any, pgdogOnly map[string]pgdogSection) {
	s := f.at(k, "")
	if s.line == 0 {
		s.line = f.lines[k+"[1]"]
	}
	sec, ok := pgdogOnly[k]
	if !ok {
		c.add(s.problem("unknown key"))
		return
	}
	c.checkSectionKeys(f, k, v, sec)
	c.warnPgDogOnly(f.name, s.line, k, sec.instead)
}

// table checks that v is a TOML table.
func (c *collector) table(f *fileTables, key string, v any) map[string]any {
	t, ok := v.(map[string]any)
	if !ok {
		c.add(f.at(key, "").problem("expected a table ([" + key + "]), got " + describe(v)))
		return nil
	}
	return t
}

// tableArray checks that v is an array of tables ([[key]] blocks or an inline array).
func (c *collector) tableArray(f *fileTables, key string, v any) []map[string]any {
	switch a := v.(type) {
	case []map[string]any:
		return a
	case []any:
		out := make([]map[string]any, 0, len(a))
		for _, e := range a {
			t, ok := e.(map[string]any)
			if !ok {
				c.add(f.at(key, "").problem("expected an array of tables ([[" + key + "]]), got an array of " + describe(e)))
				return nil
			}
			out = append(out, t)
		}
		return out
	}
	s := f.at(key, "")
	c.add(s.problem("expected an array of tables ([[" + key + "]]), got " + describe(v)))
	return nil
}
