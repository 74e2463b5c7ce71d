// PgDog-only sections: their keys are checked against PgDog's, although pgdogd ignores them.

package config

// checkSectionKeys reports the keys of a PgDog-only section (a table, or an
// array of tables) that PgDog does not know either; the values are not checked.
func (c *collector) checkSectionKeys(f *fileTables, name string, v any, sec pgdogSection) {
	var tables []map[string]any
	paths := []string{name}
	switch t := v.(type) {
	case map[string]any:
		tables = []map[string]any{t}
	case []map[string]any, []any:
		tables = c.tableArray(f, name, v)
		paths = make([]string, len(tables))
		for i := range tables {
			paths[i] = entryPath(name, i)
		}
	default:
		c.add(f.at(name, "").problem("expected a table or an array of tables, got " + describe(v)))
		return
	}
	for i, t := range tables {
		for _, k := range sortedKeys(t) {
			if !sec.keys[k] {
				c.add(f.at(paths[i], k).problem("unknown key"))
			}
		}
	}
}
