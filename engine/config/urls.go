// Database URLs (PgDog's --database-url and PGDOG_DATABASE_URL_<n>): databases and users given as postgres:// URLs instead of the files' entries.

package config

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
)

// urlSource is where database URLs come from, as in PgDog: the command
// line's --database-url, else PGDOG_DATABASE_URL_1, _2, ... with
// PGDOG_MIRRORING_1, _2, ... ("source_db=a&destination_db=b&exposure=0.5").
type urlSource struct {
	file    string // CommandLineFile or EnvironmentFile, for problems
	urls    []string
	mirrors []string
}

// urlsOf returns the database URLs of s, or of the environment.
func urlsOf(s Sources) urlSource {
	if len(s.DatabaseURLs) > 0 {
		return urlSource{file: CommandLineFile, urls: s.DatabaseURLs}
	}
	u := urlSource{file: EnvironmentFile, urls: numberedEnv("PGDOG_DATABASE_URL_")}
	if len(u.urls) > 0 {
		u.mirrors = numberedEnv("PGDOG_MIRRORING_")
	}
	return u
}

// numberedEnv reads prefix1, prefix2, ... up to the first one not set (or empty).
func numberedEnv(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v := os.Getenv(prefix + strconv.Itoa(i))
		if v == "" {
			return out
		}
		out = append(out, v)
	}
}

// applyURLs replaces the files' databases and users by those of the URLs,
// and their mirrors by the source's when it has some. It returns the
// tables problems in these entries are reported against.
func (c *collector) applyURLs(cfg *Config, u urlSource) *fileTables {
	f := &fileTables{name: u.file, lines: keyLines{}, parsed: true}
	cfg.Databases, cfg.Users = nil, nil
	for i, raw := range u.urls {
		db, user, err := urlTables(raw)
		if err != nil {
			c.add(Problem{File: u.file, Key: entryPath("databases", i), Msg: err.Error()})
			continue
		}
		if d := c.decodeDatabase(f, i, db); !slices.Contains(cfg.Databases, d) {
			cfg.Databases = append(cfg.Databases, d)
		}
		usr := c.decodeUser(f, i, user).User
		if !slices.ContainsFunc(cfg.Users, func(x User) bool { return x.Name == usr.Name && x.Database == usr.Database }) {
			cfg.Users = append(cfg.Users, usr)
		}
	}
	if len(u.mirrors) > 0 {
		cfg.Mirrors = nil
	}
	for i, m := range u.mirrors {
		q, err := url.ParseQuery(m)
		if err != nil {
			c.add(Problem{File: u.file, Key: entryPath("mirroring", i), Msg: "cannot parse: " + err.Error()})
			continue
		}
		cfg.Mirrors = append(cfg.Mirrors, c.decodeMirror(f, i, queryTable(q), &cfg.General))
	}
	c.warn(u.file, 0, "", fmt.Sprintf("%d database URLs replace the files' [[databases]] and [[users]]", len(u.urls)))
	return f
}

// urlTables turns a postgres:// URL into a [[databases]] entry and a
// [[users]] entry, as PgDog does: the database is the path ("postgres"
// without one), the host 127.0.0.1 and the port 5432 by default, the query
// parameters are the entry's other keys; the user is the URL's ($USER, else
// "postgres", without one), its password the URL's ("postgres" without one).
func urlTables(raw string) (db, user map[string]any, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot parse database URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		name = "postgres"
	}
	db = queryTable(u.Query())
	for k := range db {
		if !urlKeys[k] {
			delete(db, k) // PgDog ignores the other parameters, sslmode for one
		}
	}
	db["name"] = name
	db["host"] = first(u.Hostname(), "127.0.0.1")
	if p := u.Port(); p != "" {
		db["port"] = typedValue("port", p)
	}
	password, ok := u.User.Password()
	if !ok {
		password = "postgres"
	}
	user = map[string]any{"name": first(u.User.Username(), os.Getenv("USER"), "postgres"),
		"database": name, "password": password}
	return db, user, nil
}

// urlKeys are the [[databases]] keys PgDog reads from a URL's parameters.
var urlKeys = set("database_name", "role", "shard", "user", "password", "pool_size", "min_pool_size",
	"pooler_mode", "statement_timeout", "idle_timeout", "read_only", "server_lifetime")

// queryTable turns query parameters into a table with TOML's types; the
// last value of a repeated parameter wins.
func queryTable(q url.Values) map[string]any {
	t := make(map[string]any, len(q))
	for k, vs := range q {
		t[k] = typedValue(k, vs[len(vs)-1])
	}
	return t
}

// typedValue reads a parameter's text as the type its key has in the files;
// text that does not fit stays a string, for decoding to report.
func typedValue(key, s string) any {
	switch key {
	case "port", "shard", "pool_size", "max_pool_size", "min_pool_size", "statement_timeout", "idle_timeout",
		"server_lifetime", "queue_length":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "read_only":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	case "exposure":
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
	}
	return s
}

// first returns the first non-empty string.
func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
