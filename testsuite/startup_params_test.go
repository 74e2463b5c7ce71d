// Startup settings through pgdogd compared with PostgreSQL's own answers: invalid values, ParameterStatus spelling, asyncpg and psycopg 3 clients.

package testsuite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// spInvalid are startup settings to try; PostgreSQL refuses all but the missing schema.
var spInvalid = []struct{ name, param, value string }{
	{"TimeZone", "TimeZone", "Not/AZone"},
	{"DateStyle", "DateStyle", "bogus"},
	{"statement_timeout", "statement_timeout", "abc"},
	{"unknown GUC", "no_such_guc", "1"},
	{"missing schema in search_path", "search_path", "does_not_exist"},
}

// spReadSQL reads the settings spInvalid touches.
const spReadSQL = "select current_setting('TimeZone'), current_setting('DateStyle'), " +
	"current_setting('statement_timeout'), current_setting('search_path'), " +
	"coalesce(current_setting('no_such_guc', true), '<unset>')"

// spRawAnswer logs in on e with a raw startup packet holding params and returns one line:
// the error PostgreSQL's way (severity, SQLSTATE, message), or what spReadSQL reads.
func spRawAnswer(e Endpoint, params map[string]string) string {
	r, err := RawDial(e.Addr())
	if err != nil {
		return "failure: " + err.Error()
	}
	defer r.Close()
	if err := r.Startup(Alice, params); err != nil {
		return "login refused: " + ssErrText(err)
	}
	rows, err := r.SimpleQuery(spReadSQL, 10*time.Second)
	if err != nil {
		return "logged in; query: " + ssErrText(err)
	}
	return fmt.Sprintf("logged in; settings %v", rows)
}

// spPsqlAnswer runs psql on e with PGOPTIONS=opts and returns the FATAL line it prints, or
// what spReadSQL reads.
func spPsqlAnswer(ctx context.Context, e Endpoint, opts string) string {
	cmd := e.PsqlCmd(ctx, Alice, "-tA", "-F", ", ", "-c", spReadSQL)
	cmd.Env = append(cmd.Env, "PGOPTIONS="+opts)
	out, err := cmd.CombinedOutput()
	s := strings.TrimSpace(string(out))
	if i := strings.Index(s, "FATAL:"); i >= 0 {
		return "psql refused: " + strings.TrimSpace(strings.SplitN(s[i:], "\n", 2)[0])
	}
	if err != nil {
		return fmt.Sprintf("psql failed (%v): %s", err, s)
	}
	return "psql: " + s
}

// TestStartupInvalidValues: each invalid startup setting, sent in the options parameter, as a
// startup parameter of its own and by psql through PGOPTIONS, gets pgdogd's answer equal to
// PostgreSQL's (FATAL with the same SQLSTATE and message, or a working connection). After each
// attempt a second client of the same pool of 1 must see the defaults.
func TestStartupInvalidValues(t *testing.T) {
	defaults := ssDefaults(t, "TimeZone", "DateStyle", "statement_timeout", "search_path")
	p := StartProxy(t, ssConfig(1, "", 0))
	for _, c := range spInvalid {
		for _, form := range []string{"options", "parameter", "psql"} {
			t.Run(c.name+"/"+form, func(t *testing.T) {
				ctx := testCtx(t, 30*time.Second)
				answer := func(e Endpoint) string {
					switch form {
					case "options":
						return spRawAnswer(e, map[string]string{"options": "-c " + c.param + "=" + c.value})
					case "parameter":
						return spRawAnswer(e, map[string]string{c.param: c.value})
					}
					return spPsqlAnswer(ctx, e, "-c "+c.param+"="+c.value)
				}
				want := answer(shared.Endpoint)
				t.Logf("PostgreSQL: %s", want)
				if got := answer(p.Endpoint); got != want {
					t.Errorf("%s=%s as %s:\npgdogd     %s\nPostgreSQL %s", c.param, c.value, form, got, want)
				}
				next := ssMustConnect(t, p.Endpoint, Alice, nil)
				got, err := ssSettings(ctx, next, "TimeZone", "DateStyle", "statement_timeout", "search_path")
				if err != nil || got != defaults {
					t.Errorf("the next client of the pool reads %q, %v\nwant the defaults %q", got, err, defaults)
				}
				closeQuietly(next)
			})
		}
	}
}

// spReportedNames are the parameters PostgreSQL 15 reports with ParameterStatus.
var spReportedNames = []string{"application_name", "client_encoding", "DateStyle", "default_transaction_read_only",
	"in_hot_standby", "integer_datetimes", "IntervalStyle", "is_superuser", "server_encoding", "server_version",
	"session_authorization", "standard_conforming_strings", "TimeZone"}

// spSpellings are startup values PostgreSQL reports in its own spelling.
var spSpellings = []struct{ param, value string }{
	{"DateStyle", "German"}, {"client_encoding", "utf8"}, {"DateStyle", "sql,dmy"}, {"TimeZone", "utc"},
}

// TestStartupParameterStatusSpelling: for each spSpellings startup value, the ParameterStatus
// values a client holds at login and after SET datestyle = 'German' and SET timezone = 'utc'
// equal those PostgreSQL reports for the same startup, in transaction and session mode.
func TestStartupParameterStatusSpelling(t *testing.T) {
	for _, mode := range []string{"transaction", "session"} {
		t.Run(mode, func(t *testing.T) {
			p := StartProxy(t, ssConfig(2, mode, 0))
			for _, c := range spSpellings {
				t.Run(c.param+"="+c.value, func(t *testing.T) {
					ctx := testCtx(t, 30*time.Second)
					want := spStatusTranscript(ctx, t, shared.Endpoint, c.param, c.value)
					got := spStatusTranscript(ctx, t, p.Endpoint, c.param, c.value)
					if diff := transcriptDiff(want, got); diff != "" {
						t.Errorf("ParameterStatus through pgdogd differs from PostgreSQL's (-postgres +pgdogd):\n%s", diff)
					}
				})
			}
		})
	}
}

// spStatusTranscript connects to e with param=value and returns the reported parameters after
// login and after each SET, one line per parameter.
func spStatusTranscript(ctx context.Context, t *testing.T, e Endpoint, param, value string) []string {
	conn := ssMustConnect(t, e, Alice, map[string]string{param: value})
	defer closeQuietly(conn)
	pc := conn.PgConn()
	var lines []string
	report := func(when string) {
		for _, n := range spReportedNames {
			if n == "server_version" { // pgdogd may add its own name; TestParameterStatus checks it
				continue
			}
			lines = append(lines, fmt.Sprintf("%s: %s = %q", when, n, pc.ParameterStatus(n)))
		}
	}
	report("login")
	for _, set := range []string{"SET datestyle = 'German'", "SET timezone = 'utc'"} {
		lines = append(lines, set+": "+ssExec(ctx, pc, set, false))
		report("after " + set)
	}
	return lines
}

// spDriverConfigs are the pool sizes the driver tests run over.
var spDriverConfigs = []int{1, 2}

// TestStartupParamsAsyncpg: asyncpg clients with server_settings (DateStyle, TimeZone,
// application_name), 6 at once over a pool of 1 and of 2, each reading its settings 20 times,
// must always read what the same client reads directly on PostgreSQL; an asyncpg client with
// an invalid TimeZone must fail to connect as it does on PostgreSQL.
func TestStartupParamsAsyncpg(t *testing.T) {
	spRunDriver(t, "asyncpg")
}

// TestStartupParamsPsycopg: psycopg 3 clients with options='-c statement_timeout=... -c
// search_path=...', 6 at once over a pool of 1 and of 2, as TestStartupParamsAsyncpg.
func TestStartupParamsPsycopg(t *testing.T) {
	spRunDriver(t, "psycopg")
}

// spRunDriver runs py/session_drivers.py with driver against PostgreSQL and pgdogd.
func spRunDriver(t *testing.T, driver string) {
	for _, size := range spDriverConfigs {
		t.Run(fmt.Sprintf("pool of %d", size), func(t *testing.T) {
			p := StartProxy(t, ssConfig(size, "", 0))
			env := map[string]string{
				"PGDOGD_HOST": p.Host, "PGDOGD_PORT": fmt.Sprint(p.Port),
				"PGDOGD_DIRECT_HOST": shared.Host, "PGDOGD_DIRECT_PORT": fmt.Sprint(shared.Port),
				"PGDOGD_USER": Alice.User, "PGDOGD_PASSWORD": Alice.Password, "PGDOGD_DATABASE": Alice.Database,
			}
			out, err := runPython(t, 90*time.Second, env, "session_drivers.py", driver)
			if err != nil || !strings.HasSuffix("\n"+out, "\nok\n") {
				t.Errorf("%s clients with their own startup settings: %v\n%s", driver, err, clipOutput(out))
			}
		})
	}
}
