// Helpers of the admin console tests: logging in, running commands and reading their rows by column.

package testsuite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// consoleLogin is the admin console login of consoleConfig.
var consoleLogin = Login{User: "admin", Password: "console_pw", Database: "admin"}

// consoleConfig is DefaultConfig with the console's password set and pools
// that take their size from default_pool_size.
func consoleConfig(c *Cluster) ProxyConfig {
	cfg := DefaultConfig(c)
	cfg.Admin = Admin{User: consoleLogin.User, Password: consoleLogin.Password}
	for i := range cfg.Users {
		cfg.Users[i].PoolSize = 0
	}
	return cfg
}

// adminResult is a console answer: its columns and their type OIDs, and its rows keyed by
// column (NULL reads "").
type adminResult struct {
	cols  []string
	types []uint32
	rows  []map[string]string
}

// consoleQuery runs one console command over the simple protocol.
func consoleQuery(conn *pgx.Conn, sql string) (adminResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return adminResult{}, err
	}
	defer rows.Close()
	var res adminResult
	for _, fd := range rows.FieldDescriptions() {
		res.cols = append(res.cols, fd.Name)
		res.types = append(res.types, fd.DataTypeOID)
	}
	for rows.Next() {
		m := map[string]string{}
		for i, v := range rows.RawValues() {
			m[res.cols[i]] = string(v)
		}
		res.rows = append(res.rows, m)
	}
	return res, rows.Err()
}

// mustConsole is consoleQuery that fails t on error.
func mustConsole(t *testing.T, conn *pgx.Conn, sql string) adminResult {
	t.Helper()
	res, err := consoleQuery(conn, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

// find returns the first row whose columns hold the given values.
func (r adminResult) find(kv ...string) (map[string]string, bool) {
	for _, row := range r.rows {
		ok := true
		for i := 0; i+1 < len(kv); i += 2 {
			ok = ok && row[kv[i]] == kv[i+1]
		}
		if ok {
			return row, true
		}
	}
	return nil, false
}

// wantCols fails t unless the result has exactly these columns, in order.
func (r adminResult) wantCols(t *testing.T, what string, cols ...string) {
	t.Helper()
	if fmt.Sprint(r.cols) != fmt.Sprint(cols) {
		t.Errorf("%s columns = %v\nwant %v", what, r.cols, cols)
	}
}

// num reads a row's column as an integer, failing t when it is not one.
func num(t *testing.T, row map[string]string, col string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(row[col], 10, 64)
	if err != nil {
		t.Fatalf("column %s = %q is not a number (row %v)", col, row[col], row)
	}
	return n
}

// fnum reads a row's column as a number (PgDog's times have decimals), failing t when it is not one.
func fnum(t *testing.T, row map[string]string, col string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(row[col], 64)
	if err != nil {
		t.Fatalf("column %s = %q is not a number (row %v)", col, row[col], row)
	}
	return x
}

// writeScript writes a pgbench script into a temp folder and returns its path.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "admin.sql")
	if err := os.WriteFile(path, []byte(body+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rewriteFiles writes cfg over the running proxy's files, keeping its address.
func rewriteFiles(t *testing.T, p *Proxy, cfg ProxyConfig) {
	t.Helper()
	cfg.General.Host, cfg.General.Port = p.Host, p.Port
	if err := writeProxyFiles(p.Dir, cfg); err != nil {
		t.Fatal(err)
	}
}
