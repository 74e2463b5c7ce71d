"""large_bytea.py: psycopg 3 sends a 300,000-byte bytea parameter 24 times on each of 3
connections (round robin, autocommit) and checks every answer.

Usage: large_bytea.py none|default   (prepare_threshold=None, or psycopg's default of 5)
DSN in PGDOGD_DSN. Prints one line per failure and exits 1 on any; prints "ok N" otherwise.
"""
import os
import sys

import psycopg

SIZE = 300_000
ROUNDS = 24
CONNS = 3


def main():
    mode = sys.argv[1]
    kwargs = {"autocommit": True}
    if mode == "none":
        kwargs["prepare_threshold"] = None
    elif mode != "default":
        sys.exit(f"unknown mode {mode!r}")
    conns = [psycopg.connect(os.environ["PGDOGD_DSN"], **kwargs) for _ in range(CONNS)]
    payload = b"x" * SIZE
    ok, failures = 0, 0
    for r in range(ROUNDS):
        for i, conn in enumerate(conns):
            try:
                got = conn.execute("select length(%s::bytea)", (payload,)).fetchone()[0]
            except psycopg.Error as err:
                failures += 1
                print(f"round {r} connection {i}: {type(err).__name__} "
                      f"{getattr(err, 'sqlstate', None)}: {str(err).strip()[:300]}")
                if conn.closed:
                    print(f"connection {i} is closed: stopping")
                    sys.exit(1)
                continue
            if got != SIZE:
                failures += 1
                print(f"round {r} connection {i}: length {got}, want {SIZE}")
                continue
            ok += 1
    for conn in conns:
        conn.close()
    if failures:
        print(f"{failures} failures, {ok} ok")
        sys.exit(1)
    print(f"ok {ok}")


if __name__ == "__main__":
    main()
