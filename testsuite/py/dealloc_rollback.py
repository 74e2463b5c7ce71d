"""dealloc_rollback.py: psycopg 3 with its defaults (prepare_threshold 5, autocommit off)
runs a parameterised query 6 times (the 6th prepares it), rolls back (psycopg then sends
DEALLOCATE ALL through the extended protocol), runs it 6 more times and rolls back again.

DSN in PGDOGD_DSN. Prints one line per step; exits 1 at the first failure.
"""
import os
import sys

import psycopg


def main():
    conn = psycopg.connect(os.environ["PGDOGD_DSN"])
    assert conn.prepare_threshold == 5 and not conn.autocommit
    for batch in (1, 2):
        for i in range(6):
            try:
                got = conn.execute("select %s::int + 1000", (i,)).fetchone()[0]
            except psycopg.Error as err:
                print(f"batch {batch} execution {i + 1}: {type(err).__name__} "
                      f"{getattr(err, 'sqlstate', None)}: {str(err).strip()[:300]}")
                sys.exit(1)
            if got != i + 1000:
                print(f"batch {batch} execution {i + 1}: got {got}, want {i + 1000}")
                sys.exit(1)
        try:
            conn.rollback()
        except psycopg.Error as err:
            print(f"batch {batch} rollback: {type(err).__name__} "
                  f"{getattr(err, 'sqlstate', None)}: {str(err).strip()[:300]}")
            sys.exit(1)
        print(f"batch {batch} ok")
    conn.close()
    print("ok")


if __name__ == "__main__":
    main()
