"""prepare_libpq.py: libpq's PQprepare (Parse + Sync between transactions) through
psycopg 3's low-level wrapper, printing one line per call: the result status and, for an
error, its SQLSTATE and message. The Go test compares the lines with a run against
PostgreSQL itself.

DSN in PGDOGD_DSN.
"""
import os

import psycopg
from psycopg import pq


def show(what, res):
    status = pq.ExecStatus(res.status).name
    if res.status == pq.ExecStatus.FATAL_ERROR:
        code = (res.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        msg = (res.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
        print(f"{what}: {status} {code} {msg}")
    elif res.status == pq.ExecStatus.TUPLES_OK:
        rows = [res.get_value(i, 0).decode() for i in range(res.ntuples)]
        print(f"{what}: {status} {rows}")
    else:
        print(f"{what}: {status}")


def main():
    conn = psycopg.connect(os.environ["PGDOGD_DSN"], autocommit=True)
    pg = conn.pgconn
    show("prepare s 'selec 1'", pg.prepare(b"s", b"selec 1"))
    show("prepare s 'select 1'", pg.prepare(b"s", b"select 1"))
    show("prepare s 'select 2'", pg.prepare(b"s", b"select 2"))
    show("execute s", pg.exec_prepared(b"s", []))
    show("prepare t 'select $1::int * 2'", pg.prepare(b"t", b"select $1::int * 2"))
    show("prepare t 'select $1::int * 3'", pg.prepare(b"t", b"select $1::int * 3"))
    show("execute t(21)", pg.exec_prepared(b"t", [b"21"]))
    show("prepare u 'select * from no_such_table'", pg.prepare(b"u", b"select * from no_such_table"))
    show("execute u", pg.exec_prepared(b"u", []))
    show("prepare s 'select 3' again", pg.prepare(b"s", b"select 3"))
    show("execute s again", pg.exec_prepared(b"s", []))
    print("end; connection status", pq.ConnStatus(pg.status).name)
    conn.close()


if __name__ == "__main__":
    main()
