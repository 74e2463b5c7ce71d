"""dealloc_rotate.py: psycopg 3 with prepare_threshold=0 (every statement prepared at first
use) runs 130 distinct parameterised statements; beyond its cache of 100 it deallocates the
oldest with DEALLOCATE _pg3_N through the extended protocol. Then it runs the newest 20 and
the oldest 5 again.

DSN in PGDOGD_DSN. Prints one line per failure; exits 1 on any, prints "ok N" otherwise.
"""
import os
import sys

import psycopg

COUNT = 130


def run(conn, i):
    got = conn.execute(f"select %s::int + {i} as r{i}", (i,)).fetchone()[0]
    if got != 2 * i:
        raise AssertionError(f"statement {i}: got {got}, want {2 * i}")


def main():
    conn = psycopg.connect(os.environ["PGDOGD_DSN"], autocommit=True, prepare_threshold=0)
    failures, ok = 0, 0
    for i in list(range(COUNT)) + list(range(COUNT - 20, COUNT)) + list(range(5)):
        try:
            run(conn, i)
            ok += 1
        except (psycopg.Error, AssertionError) as err:
            failures += 1
            print(f"statement {i}: {type(err).__name__} "
                  f"{getattr(err, 'sqlstate', None)}: {str(err).strip()[:300]}")
            if conn.closed or failures >= 10:
                break
    conn.close()
    if failures:
        print(f"{failures} failures, {ok} ok")
        sys.exit(1)
    print(f"ok {ok}")


if __name__ == "__main__":
    main()
