"""session_drivers.py: clients with their own startup settings, asyncpg (server_settings) or
psycopg 3 (options='-c ...'), run at once through pgdogd; each must always read the settings
the same client reads on its own direct PostgreSQL connection.

Usage: session_drivers.py asyncpg|psycopg. Proxy in PGDOGD_HOST/PGDOGD_PORT, PostgreSQL in
PGDOGD_DIRECT_HOST/PGDOGD_DIRECT_PORT, login in PGDOGD_USER/PGDOGD_PASSWORD/PGDOGD_DATABASE.
Prints one line per failure and "ok" at the end when there was none; exits 1 otherwise.
"""
import asyncio
import os
import sys

import asyncpg
import psycopg

CLIENTS = 6
ROUNDS = 20
LIMIT = 60  # seconds for the whole run

ASYNCPG_SQL = ("select current_setting('DateStyle'), current_setting('TimeZone'), "
               "current_setting('application_name')")
PSYCOPG_SQL = "select current_setting('statement_timeout'), current_setting('search_path')"

DATESTYLES = ["ISO, DMY", "SQL, MDY", "German, DMY", "Postgres, YMD", "ISO, YMD", "SQL, DMY"]
ZONES = ["Asia/Tokyo", "PST8PDT", "Europe/Berlin", "America/Lima", "UTC", "Australia/Sydney"]


def env(name):
    return os.environ[name]


def asyncpg_settings(i):
    return {"DateStyle": DATESTYLES[i], "TimeZone": ZONES[i], "application_name": f"drv_{i}"}


def psycopg_options(i):
    return f"-c statement_timeout={20000 + 1000 * i} -c search_path=drv_{i},public"


async def asyncpg_connect(direct, settings):
    prefix = "PGDOGD_DIRECT_" if direct else "PGDOGD_"
    return await asyncpg.connect(host=env(prefix + "HOST"), port=int(env(prefix + "PORT")),
                                 user=env("PGDOGD_USER"), password=env("PGDOGD_PASSWORD"),
                                 database=env("PGDOGD_DATABASE"), ssl=False, timeout=10,
                                 server_settings=settings)


async def psycopg_connect(direct, options):
    prefix = "PGDOGD_DIRECT_" if direct else "PGDOGD_"
    return await psycopg.AsyncConnection.connect(
        host=env(prefix + "HOST"), port=env(prefix + "PORT"), user=env("PGDOGD_USER"),
        password=env("PGDOGD_PASSWORD"), dbname=env("PGDOGD_DATABASE"), sslmode="disable",
        connect_timeout=10, options=options, autocommit=True)


def outcome(err):
    """What a failed connection attempt looks like: the error class, SQLSTATE and message (from
    FATAL: on, as libpq may put the server's address before it)."""
    msg = str(err).strip().splitlines()[0]
    if "FATAL:" in msg:
        msg = msg[msg.index("FATAL:"):]
    return f"{type(err).__name__} {getattr(err, 'sqlstate', None)}: {msg}"


async def attempt(driver, direct, own):
    """Connects with own settings and reads them: the settings, or how it failed."""
    connect = asyncpg_connect if driver == "asyncpg" else psycopg_connect
    try:
        conn = await connect(direct, own)
    except (asyncpg.PostgresError, psycopg.Error) as err:
        return "connect: " + outcome(err)
    try:
        return await read(driver, conn, 0)
    except (asyncpg.PostgresError, psycopg.Error) as err:
        return "query: " + outcome(err)
    finally:
        await conn.close()


async def poisoning(driver, failures):
    """A client with settings, then one with an invalid startup value, then a default client,
    one after the other: each must get what it gets on PostgreSQL."""
    if driver == "asyncpg":
        steps = [("own settings", asyncpg_settings(0)), ("invalid TimeZone", {"TimeZone": "Not/AZone"}),
                 ("default", {})]
    else:
        steps = [("own options", psycopg_options(0)), ("invalid statement_timeout", "-c statement_timeout=abc"),
                 ("default", "")]
    for name, own in steps:
        want = await attempt(driver, True, own)
        got = await attempt(driver, False, own)
        if got != want:
            failures.append(f"{name} client after the others: PostgreSQL {want!r}, pgdogd {got!r}")


async def read(driver, conn, rnd):
    if driver == "asyncpg":
        if rnd % 4 == 3:
            async with conn.transaction():
                await conn.execute("select pg_sleep(0.005)")
                return tuple(await conn.fetchrow(ASYNCPG_SQL))
        return tuple(await conn.fetchrow(ASYNCPG_SQL))
    if rnd % 4 == 3:
        async with conn.transaction():
            await conn.execute("select pg_sleep(0.005)")
            return tuple(await (await conn.execute(PSYCOPG_SQL)).fetchone())
    return tuple(await (await conn.execute(PSYCOPG_SQL)).fetchone())


async def client(driver, i, failures):
    own = asyncpg_settings(i) if driver == "asyncpg" else psycopg_options(i)
    connect = asyncpg_connect if driver == "asyncpg" else psycopg_connect
    direct = await connect(True, own)
    want = await read(driver, direct, 0)
    await direct.close()
    conn = await connect(False, own)
    try:
        for rnd in range(ROUNDS):
            got = await read(driver, conn, rnd)
            if got != want:
                failures.append(f"client {i} ({own}) round {rnd}: read {got}, PostgreSQL gives it {want}")
                return
            await asyncio.sleep(0)
    finally:
        await conn.close()


async def main(driver):
    failures = []
    await poisoning(driver, failures)
    results = await asyncio.gather(*(client(driver, i, failures) for i in range(CLIENTS)),
                                   return_exceptions=True)
    for i, res in enumerate(results):
        if isinstance(res, BaseException):
            failures.append(f"client {i}: {outcome(res)}")
    return failures


if __name__ == "__main__":
    failures = asyncio.run(asyncio.wait_for(main(sys.argv[1]), LIMIT))
    for f in failures:
        print(f)
    if failures:
        sys.exit(1)
    print("ok")
