// The text of pgdogd --help: options, commands and environment overrides.

package main

import (
	"fmt"
	"io"

	"github.com/pgdogd/pgdogd/engine"
)

// help lists what the command line and the environment accept.
const help = `pgdogd %s: a PostgreSQL pooler that starts on PgDog's configuration files.

Usage:
  pgdogd [options] [run [run options]]  serve (the default command)
  pgdogd [options] configcheck          check the files as the start does: print the
                                        effective configuration, or every error (exit 1)

Options (before or after the command):
  -c, --config PATH      pgdog.toml (default "pgdog.toml")
  -u, --users PATH       users.toml (default "users.toml")
  -d, --database-url URL a postgres://user:password@host:port/database?pool_size=10 URL; repeated,
                         the URLs replace the files' [[databases]] and [[users]] (the files may be absent)
      --log-level LEVEL  debug, info, warn or error (default "info")
      --cpuprofile FILE  write a CPU profile to FILE until exit
  -V, --version          print the version and exit
  -h, --help             print this help and exit

Run options (PgDog's; they win over the files and the environment, and RELOAD keeps them):
  -p, --pool-size N           default_pool_size
  -m, --min-pool-size N       min_pool_size
  -s, --session-mode BOOL     true: pooler_mode is "session"

Environment:
  PGDOG_<KEY>                 any [general] key, e.g. PGDOG_PORT=7000 or PGDOG_POOLER_MODE=session;
                              it wins over the file (PgDog's own spellings are read too:
                              PGDOG_CLIENT_LOG_TIMEOUT for client_login_timeout)
  PGDOG_ADMIN_PASSWORD        the admin password, when [admin] sets none
  PGDOG_DATABASE_URL_1, _2, ...  database URLs, as --database-url, when it is not given; with
  PGDOG_MIRRORING_1, _2, ...     mirrors, e.g. "source_db=prod&destination_db=copy&exposure=0.5"
  ${VAR}, ${VAR:-fallback}    in pgdog.toml and users.toml: replaced by the variable (or the
                              fallback) before the file is parsed; $${VAR} is a literal ${VAR}

Signals: SIGINT and SIGTERM shut down gracefully (shutdown_timeout); SIGHUP reloads both files.

PgDog's other commands (fingerprint, route, data-sync, schema-sync, setup, hash,
replicate-and-cutover) need sharding or its query parser: pgdogd refuses them.
`

// writeHelp writes the help to w.
func writeHelp(w io.Writer) { fmt.Fprintf(w, help, engine.Version) }
