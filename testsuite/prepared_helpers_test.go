// Helpers of the prepared statement tests: proxy configs, pgconn shortcuts and a raw pipeline transcript.

package testsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// prepAdmin is the admin console login of prepConfig.
var prepAdmin = Login{User: "admin", Password: "prep_admin_pw", Database: "admin"}

// prepConfig is DefaultConfig with alice's pool set to poolSize and a known admin login.
func prepConfig(c *Cluster, poolSize int) ProxyConfig {
	cfg := DefaultConfig(c)
	cfg.Users[0].PoolSize = poolSize
	cfg.Admin = Admin{User: prepAdmin.User, Password: prepAdmin.Password}
	return cfg
}

// connectPgx opens a pgx connection in pgx's default mode (QueryExecModeCacheStatement,
// named statements "stmtcache_<hash>") with the given statement cache capacity (0 keeps
// pgx's default). It is closed when t ends.
func connectPgx(t *testing.T, e Endpoint, l Login, capacity int) *pgx.Conn {
	t.Helper()
	cfg, err := e.PGXConfig(l)
	if err != nil {
		t.Fatal(err)
	}
	if capacity > 0 {
		cfg.StatementCacheCapacity = capacity
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("cannot connect to %s: %v", e.Addr(), err)
	}
	t.Cleanup(func() { closeQuietly(conn) })
	return conn
}

// execPrepared runs the named statement with text parameters and returns the text of every
// row's columns (copies owned by the caller), or the statement's error.
func execPrepared(ctx context.Context, pc *pgconn.PgConn, name string, params ...string) ([][]string, error) {
	vals := make([][]byte, len(params))
	for i, p := range params {
		vals[i] = []byte(p)
	}
	res := pc.ExecPrepared(ctx, name, vals, nil, nil).Read()
	if res.Err != nil {
		return nil, res.Err
	}
	rows := make([][]string, len(res.Rows))
	for i, r := range res.Rows {
		rows[i] = make([]string, len(r))
		for j, v := range r {
			rows[i][j] = string(v)
		}
	}
	return rows, nil
}

// execPreparedOne runs the named statement and returns its single value.
func execPreparedOne(ctx context.Context, pc *pgconn.PgConn, name string, params ...string) (string, error) {
	rows, err := execPrepared(ctx, pc, name, params...)
	if err != nil {
		return "", err
	}
	if len(rows) != 1 || len(rows[0]) != 1 {
		return "", fmt.Errorf("statement %s returned %v, want one value", name, rows)
	}
	return rows[0][0], nil
}

// simpleExec runs sql with the simple protocol on pc and returns the first error.
func simpleExec(ctx context.Context, pc *pgconn.PgConn, sql string) error {
	_, err := pc.Exec(ctx, sql).ReadAll()
	return err
}

// transcript sends msgs (which should end with a Sync) on r and returns what came back until
// ReadyForQuery, one token per message: the type letter, with the SQLSTATE for an
// ErrorResponse, the values of a DataRow and the status of ReadyForQuery, e.g.
// "1 2 D[1] C E[22012] Z[I]".
func transcript(r *RawConn, msgs ...pgproto3.FrontendMessage) (string, error) {
	return readTranscript(r, 10*time.Second, false, msgs...)
}

// readTranscript sends msgs and reads until ReadyForQuery within limit; with
// full, an ErrorResponse's token carries its message and a CommandComplete its tag.
func readTranscript(r *RawConn, limit time.Duration, full bool, msgs ...pgproto3.FrontendMessage) (string, error) {
	for _, m := range msgs {
		r.FE.Send(m)
	}
	if err := r.FE.Flush(); err != nil {
		return "", fmt.Errorf("cannot send: %w", err)
	}
	deadline := time.Now().Add(limit)
	var out []string
	for {
		msg, err := r.Receive(time.Until(deadline))
		if err != nil {
			return strings.Join(out, " "), fmt.Errorf("no ReadyForQuery within %v: %w", limit, err)
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			if full {
				out = append(out, "E["+m.Code+" "+m.Message+"]")
			} else {
				out = append(out, "E["+m.Code+"]")
			}
		case *pgproto3.DataRow:
			vals := make([]string, len(m.Values))
			for i, v := range m.Values {
				vals[i] = string(v)
			}
			out = append(out, "D["+strings.Join(vals, ",")+"]")
		case *pgproto3.CommandComplete:
			if full {
				out = append(out, "C["+string(m.CommandTag)+"]")
			} else {
				out = append(out, "C")
			}
		case *pgproto3.ReadyForQuery:
			out = append(out, "Z["+string(m.TxStatus)+"]")
			return strings.Join(out, " "), nil
		case *pgproto3.NoticeResponse, *pgproto3.ParameterStatus:
			// Asynchronous messages: not part of the answer.
		default:
			b, err := msg.Encode(nil)
			if err != nil || len(b) == 0 {
				return strings.Join(out, " "), fmt.Errorf("cannot encode %T: %v", msg, err)
			}
			out = append(out, string(b[0]))
		}
	}
}

// pbe is Parse (when query is not empty), Bind and Execute of the statement name.
func pbe(name, query string, params ...string) []pgproto3.FrontendMessage {
	var msgs []pgproto3.FrontendMessage
	if query != "" {
		msgs = append(msgs, &pgproto3.Parse{Name: name, Query: query})
	}
	vals := make([][]byte, len(params))
	for i, p := range params {
		vals[i] = []byte(p)
	}
	return append(msgs, &pgproto3.Bind{PreparedStatement: name, Parameters: vals}, &pgproto3.Execute{})
}

// joinMsgs concatenates message lists and appends a Sync.
func joinMsgs(parts ...[]pgproto3.FrontendMessage) []pgproto3.FrontendMessage {
	var out []pgproto3.FrontendMessage
	for _, p := range parts {
		out = append(out, p...)
	}
	return append(out, &pgproto3.Sync{})
}

// countShared counts the statements pgdogd prepared under its own names on the server conn
// is linked to.
func countShared(ctx context.Context, conn *pgx.Conn) (int64, error) {
	return queryInt(ctx, conn, "select count(*) from pg_prepared_statements where name like '\\_\\_pgdogd\\_%'")
}
