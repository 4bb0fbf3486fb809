"""The programs `service-analytics bench` runs in processes of their own.

`python -m service_analytics.bench_probe measure COMMAND...` runs COMMAND and prints its
time, exit status and peak memory as one line of JSON; a fresh wrapper process per step
means the peak is that step's own. `floor-duckdb` and `floor-postgres` are the floor
queries: read the raw messages and order them per (shop, buyer) pair, as sessionisation
must. Only the standard library is imported up front, so the wrapper stays small.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import time
from collections.abc import Sequence

# The floor: the per-pair window ordering the sessionisation needs, and nothing else.
FLOOR_SQL = (
    "select count(*) from (select row_number() over (partition by shop_id, buyer_id order by sent_at, message_id) "
    "from {reader})"
)
POSTGRES_FLOOR_SQL = (
    "select max(pair_seq) from (select row_number() over (partition by shop_id, buyer_id order by sent_at, message_id) "
    "as pair_seq from raw.chat_messages) as ordered"
)


def measure(command: Sequence[str], quiet: bool = True) -> dict[str, float | int]:
    """Run `command` to its end: seconds, exit code and the peak resident set (KiB) of the
    children of this process, which are the command and what it waited for."""
    start = time.perf_counter()
    code = subprocess.run(list(command), stdout=subprocess.DEVNULL if quiet else None, check=False).returncode
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "code": code}


def floor_duckdb(reader: str, memory: str) -> None:
    """The floor on DuckDB: `reader` is the SQL that reads the messages file (check.reader_sql)."""
    import duckdb

    connection = duckdb.connect()
    connection.execute(f"set memory_limit = '{memory}'")
    connection.execute(FLOOR_SQL.format(reader=reader)).fetchone()


def floor_postgres() -> None:
    """The floor on the PostgreSQL server the PG* variables name, over raw.chat_messages."""
    import psycopg2

    with psycopg2.connect("") as connection, connection.cursor() as cursor:
        cursor.execute(POSTGRES_FLOOR_SQL)
        cursor.fetchone()


def _run_measure(args: argparse.Namespace) -> None:
    if not args.command:
        raise SystemExit("measure: no COMMAND to run")
    print(json.dumps(measure(args.command, quiet=not args.show_output)))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m service_analytics.bench_probe",
        description="The steps of `service-analytics bench` that run in a process of their own.",
    )
    programs = parser.add_subparsers(dest="program", required=True, metavar="PROGRAM")
    measure_parser = programs.add_parser("measure", help="run COMMAND, print its seconds, exit code and peak memory as JSON")
    measure_parser.set_defaults(run=_run_measure)
    measure_parser.add_argument("--show-output", action="store_true", help="let COMMAND's output through")
    measure_parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND", help="the command and its arguments")
    duckdb_parser = programs.add_parser("floor-duckdb", help="the floor query on DuckDB")
    duckdb_parser.set_defaults(run=lambda args: floor_duckdb(args.reader, args.memory))
    duckdb_parser.add_argument("--reader", required=True, help="SQL that reads the messages file, e.g. read_parquet('...')")
    duckdb_parser.add_argument("--memory", required=True, help="DuckDB memory_limit, e.g. 3GB")
    postgres_parser = programs.add_parser("floor-postgres", help="the floor query on the server the PG* variables name")
    postgres_parser.set_defaults(run=lambda args: floor_postgres())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
