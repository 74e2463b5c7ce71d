// Admin console as PgDog's tools see it: every SHOW's columns and types against the table transcribed from PgDog, typed values, column lists, and SET of a PgDog setting pgdogd ignores.

package testsuite

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pgdogd/pgdogd/engine/enginetest"
)

// pgdogCol is one column PgDog's console sends: its name, type OID and type size.
type pgdogCol = enginetest.PgDogColumn

// pgdogTable reads engine/admin/testdata/pgdog_columns.txt, the columns transcribed from
// PgDog: each command's columns, in order.
func pgdogTable(t *testing.T) map[string][]pgdogCol {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cols, err := enginetest.PgDogColumns(filepath.Join(root, "engine", "admin", "testdata", "pgdog_columns.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return cols
}

// wantPgDog fails t unless the result's columns are PgDog's for cmd, with PgDog's type
// OIDs, followed by exactly the extra ones named.
func (r adminResult) wantPgDog(t *testing.T, cmd string, extra ...string) {
	t.Helper()
	want := pgdogTable(t)[cmd]
	if len(want) == 0 {
		t.Fatalf("no PgDog columns for %s", cmd)
	}
	var names []string
	for i, c := range want {
		names = append(names, c.Name)
		if i < len(r.types) && r.types[i] != c.OID {
			t.Errorf("%s column %s has type %d, want %d", cmd, c.Name, r.types[i], c.OID)
		}
	}
	r.wantCols(t, cmd, append(names, extra...)...)
}

// describeOver runs a console command and returns its columns as the RowDescription gives them.
func describeOver(ctx context.Context, conn *pgx.Conn, sql string) ([]pgdogCol, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []pgdogCol
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, pgdogCol{Name: fd.Name, OID: fd.DataTypeOID, Size: fd.DataTypeSize})
	}
	for rows.Next() {
	}
	return cols, rows.Err()
}

// typedRows runs a console command and returns its rows as pgx decodes them by type.
func typedRows(ctx context.Context, conn *pgx.Conn, sql string) ([]map[string]any, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToMap)
}

// TestAdminPgDogColumns: through a running pgdogd, every SHOW PgDog has starts with
// PgDog's columns in its order and types, and pgx reads the values by those types.
func TestAdminPgDogColumns(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	held := connectNamed(t, p, "pgdog_cols")
	for _, name := range []string{"cols_a", "cols_b"} {
		if _, err := held.PgConn().Prepare(ctx, name, "select '"+name+"'", nil); err != nil {
			t.Fatal(err)
		}
	}
	for cmd, want := range pgdogTable(t) {
		got, err := describeOver(ctx, admin, cmd)
		if err != nil {
			t.Errorf("%s: %v", cmd, err)
			continue
		}
		if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
			t.Errorf("%s: columns\n%v\nwant first\n%v", cmd, got, want)
		}
	}

	pools, err := typedRows(ctx, admin, "SHOW POOLS")
	if err != nil {
		t.Fatal(err)
	}
	alice, ok := rowWith(pools, "user", Alice.User)
	if !ok {
		t.Fatalf("SHOW POOLS has no row for alice: %v", pools)
	}
	for col, want := range map[string]any{"healthy": true, "online": true, "paused": false, "banned": false, "schema_admin": false, "role": "primary"} {
		if alice[col] != want {
			t.Errorf("SHOW POOLS %s = %#v, want %#v", col, alice[col], want)
		}
	}
	if id, ok := alice["id"].(int64); !ok || id <= 0 {
		t.Errorf("SHOW POOLS id = %#v, want an int8 above 0", alice["id"])
	}
	for _, col := range []string{"shard", "re_synced", "out_of_sync", "force_closed", "cancels_in_flight", "cl_waiting"} {
		if n, ok := numericOf(alice[col]); !ok || n != 0 {
			t.Errorf("SHOW POOLS %s = %#v, want the numeric 0", col, alice[col])
		}
	}
	if n, ok := numericOf(alice["port"]); !ok || n != int64(shared.Port) {
		t.Errorf("SHOW POOLS port = %#v, want the numeric %d", alice["port"], shared.Port)
	}
}

// TestAdminPgDogColumnList: SHOW CLIENTS with a column list answers those columns in that
// order, the client's prepared statements counted; an unknown column is 42703.
func TestAdminPgDogColumnList(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 60*time.Second)
	admin := p.MustConnect(t, consoleLogin)
	held := connectNamed(t, p, "pgdog_list")
	for _, name := range []string{"list_a", "list_b", "list_c"} {
		if _, err := held.PgConn().Prepare(ctx, name, "select '"+name+"'", nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := held.PgConn().Exec(ctx, "DEALLOCATE list_b").ReadAll(); err != nil {
		t.Fatal(err)
	}
	res := mustConsole(t, admin, "SHOW CLIENTS prepared_statements, application_name")
	res.wantCols(t, "SHOW CLIENTS prepared_statements, application_name", "prepared_statements", "application_name")
	if row, ok := res.find("application_name", "pgdog_list"); !ok || row["prepared_statements"] != "2" {
		t.Errorf("SHOW CLIENTS prepared_statements of the client that kept 2 of 3 statements: %v", res.rows)
	}
	rows, err := typedRows(ctx, admin, "SHOW CLIENTS application_name, prepared_statements")
	if err != nil {
		t.Fatal(err)
	}
	if row, ok := rowWith(rows, "application_name", "pgdog_list"); !ok {
		t.Errorf("no client pgdog_list: %v", rows)
	} else if n, ok := numericOf(row["prepared_statements"]); !ok || n != 2 {
		t.Errorf("prepared_statements read as %#v, want the numeric 2", row["prepared_statements"])
	}
	if _, err := consoleQuery(admin, "SHOW CLIENTS nonsense"); sqlState(err) != "42703" || !strings.Contains(err.Error(), "nonsense") {
		t.Errorf("SHOW CLIENTS nonsense: %v, want 42703 naming the column", err)
	}
	srv := mustConsole(t, admin, "SHOW SERVERS remote_pid pool_id")
	srv.wantCols(t, "SHOW SERVERS remote_pid pool_id", "remote_pid", "pool_id")

	// A client's own counters: three queries, one of them failing.
	counted := connectNamed(t, p, "pgdog_count")
	for _, q := range []string{"select 1", "select 2", "select 1/0"} {
		_, _ = counted.Exec(ctx, q)
	}
	res = mustConsole(t, admin, "SHOW CLIENTS application_name, queries, transactions, errors, bytes_received, bytes_sent")
	if row, ok := res.find("application_name", "pgdog_count"); !ok || row["queries"] != "3" || row["transactions"] != "3" || row["errors"] != "1" ||
		num(t, row, "bytes_received") < int64(len("select 1select 2select 1/0")) || num(t, row, "bytes_sent") <= 0 {
		t.Errorf("SHOW CLIENTS counters of a client that ran 3 queries, one failing: %v", res.rows)
	}
}

// TestAdminPgDogSetIgnored: SET of a PgDog setting pgdogd does not implement succeeds with a
// notice saying it has no effect, and changes nothing; an unknown name is still 42704.
func TestAdminPgDogSetIgnored(t *testing.T) {
	p := StartProxy(t, consoleConfig(shared))
	ctx := testCtx(t, 30*time.Second)
	cfg, err := p.PGXConfig(consoleLogin)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	notices := make(chan *pgconn.Notice, 4)
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices <- n }
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeQuietly(admin) })
	before := mustConsole(t, admin, "SHOW CONFIG")
	tag, err := admin.Exec(ctx, "SET query_parser TO 'on'")
	if err != nil || tag.String() != "SET" {
		t.Fatalf("SET query_parser: %q, %v", tag, err)
	}
	select {
	case n := <-notices:
		if n.Code != "01000" || !strings.Contains(n.Message, "query_parser") || !strings.Contains(n.Message, "no effect") {
			t.Errorf("notice %s %q, want 01000 saying SET query_parser has no effect", n.Code, n.Message)
		}
	default:
		t.Error("SET query_parser answered without a notice")
	}
	if after := mustConsole(t, admin, "SHOW CONFIG"); fmt.Sprint(after.rows) != fmt.Sprint(before.rows) {
		t.Errorf("SHOW CONFIG changed by an ignored SET:\n%v\n%v", before.rows, after.rows)
	}
	if _, err := admin.Exec(ctx, "SET no_such_setting TO 'on'"); sqlState(err) != "42704" {
		t.Errorf("SET no_such_setting: %v, want 42704", err)
	}
}

// connectNamed connects alice with an application_name, closed when t ends.
func connectNamed(t *testing.T, p *Proxy, app string) *pgx.Conn {
	t.Helper()
	cfg, err := p.PGXConfig(Alice)
	if err != nil {
		t.Fatal(err)
	}
	cfg.RuntimeParams["application_name"] = app
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(testCtx(t, 15*time.Second), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeQuietly(conn) })
	return conn
}

// rowWith returns the first row whose column col holds v.
func rowWith(rows []map[string]any, col string, v any) (map[string]any, bool) {
	for _, r := range rows {
		if r[col] == v {
			return r, true
		}
	}
	return nil, false
}

// numericOf reads a numeric column's value, as pgx decodes it, as a whole number.
func numericOf(v any) (int64, bool) {
	n, ok := v.(pgtype.Numeric)
	if !ok || !n.Valid {
		return 0, false
	}
	i, err := n.Int64Value()
	return i.Int64, err == nil && i.Valid
}
