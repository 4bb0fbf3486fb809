"""`service-analytics`: the commands users run around the dbt project."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from service_analytics.check import check_export, first_line, format_reports
from service_analytics.contract import CSV_ENCODING, READABLE_ENCODINGS
from service_analytics.generate import DELIVERY_FORMS, GenerateConfig, generate
from service_analytics.load import TARGETS as SERVER_TARGETS
from service_analytics.publish import DEFAULT_PUBLISHED, DEFAULT_WAREHOUSE, PublishError, publish


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-10-31") from None


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default only when there is one to show (not for flags and required options)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or action.required:
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="service-analytics",
        description="Tools around the service_analytics dbt project. dbt itself builds the warehouse.",
        epilog="Run `service-analytics COMMAND --help` for what a command does and its options.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser(
        "generate",
        help="write a synthetic chat-platform export (the raw contract's eight tables, calendar included)",
        description=(
            "Write a deterministic synthetic export: shops, agents, chat_messages, "
            "chat_session_events, session_ratings, shop_vacation_events and the optional "
            "service calendar (shop_service_hours, shop_holidays) for every other shop, with a small "
            "share of bad rows of every kind the warehouse quarantines. The same arguments "
            "always give the same files. Streams, so memory stays flat at any size."
        ),
        formatter_class=_HelpFormatter,
    )
    gen.set_defaults(func=_generate)
    gen.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the tables into (created if missing)")
    gen.add_argument("--seed", type=int, default=42, metavar="N", help="random seed; same seed, same export")
    gen.add_argument("--shops", type=_positive_int, default=5, metavar="N", help="number of shops (regions and time zones rotate)")
    gen.add_argument("--days", type=_positive_int, default=35, metavar="N", help="number of days of chat, ending at --end")
    gen.add_argument("--messages", type=_positive_int, default=40_000, metavar="N", help="approximate number of chat messages")
    gen.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="csv", help="file format of the tables")
    gen.add_argument("--end", type=_date, default=date(2026, 10, 31), metavar="DATE", help="last day of the export (UTC date)")
    gen.add_argument(
        "--deliveries",
        choices=DELIVERY_FORMS,
        default="single",
        help=(
            "how the tables are delivered. single: one file per table (<table>.csv). daily: as a platform "
            "delivers them, each event table a folder of one file per day (<table>/YYYY-MM-DD.csv; a row goes "
            "in the delivery of the UTC day of its own timestamp, a rating in that of the day it was given, "
            "the first delivery also holds the few rows before the first day) and shops and agents a folder "
            "of one snapshot delivery. The union of the deliveries is the single-file export of the same "
            "arguments; some repeated and contradicting copies of rows come a delivery after the original"
        ),
    )
    gen.add_argument(
        "--bad-row-share",
        type=float,
        default=0.004,
        metavar="SHARE",
        help="share of messages that get a bad twin (duplicates, bad codes, bad timestamps, ...)",
    )
    gen.add_argument("--progress", action="store_true", help="show a progress bar")

    check = commands.add_parser(
        "check",
        help="check that an export folder can be built (files, readability, required columns)",
        description=(
            "Check an export folder before a build: every table of the raw contract is there as "
            "one of <table>.csv, <table>.csv.gz or <table>.parquet, or as a folder <table>/ of delivery "
            "files (*.csv, *.csv.gz, *.parquet; each checked as a single file is, a problem naming the "
            "delivery), readable to the end, with every required column. Bad rows are fine: the build "
            "quarantines them with a reason. Exit status 0 when the export can be built, 1 when it cannot."
        ),
    )
    check.set_defaults(func=_check)
    check.add_argument("folder", type=Path, metavar="DIR", help="the export folder")
    check.add_argument(
        "--encoding",
        default=CSV_ENCODING,
        help=f"text encoding of the CSV files, as var raw_csv_encoding: {', '.join(READABLE_ENCODINGS)} [{CSV_ENCODING}]",
    )

    conv = commands.add_parser(
        "convert",
        help="copy an export folder with its CSV files as UTF-8 (e.g. from GBK/GB18030), one kind of record end",
        description=(
            "Copy every table file of an export folder into NEW_DIR, with the CSV files (.csv, .csv.gz) "
            "decoded from --from and written as UTF-8 (those already valid UTF-8 are copied as they are), "
            "and with --newline every record end (a line end "
            "outside quoted fields) written as CRLF or LF; nothing else changes, Parquet files are copied. "
            f"For exports in an encoding the warehouse cannot read (it reads {', '.join(READABLE_ENCODINGS)}), "
            "and for files whose records end partly in CRLF and partly in LF."
        ),
    )
    conv.set_defaults(func=_convert)
    conv.add_argument("folder", type=Path, metavar="DIR", help="the export folder (left unchanged)")
    conv.add_argument("out", type=Path, metavar="NEW_DIR", help="a new folder for the UTF-8 export, written only when every file converts")
    conv.add_argument("--from", dest="from_encoding", default="utf-8", metavar="ENCODING",
                      help="the encoding of the CSV files that are not UTF-8, as Python names it (gb18030, gbk, big5, cp1252, ...; "
                      "default utf-8)")
    conv.add_argument("--newline", choices=("crlf", "lf"),
                      help="write every record end as CRLF or LF; line breaks inside quoted fields stay as they are")

    pub = commands.add_parser(
        "publish",
        help="copy the marts to the read-only file BI tools read, swapped in atomically",
        description=(
            "Copy every table of the marts schema into a new DuckDB file and rename it over the "
            "published copy. Readers of the published file are never locked out and never see a "
            "half-built warehouse. Run it after a successful dbt build (make build does)."
        ),
        formatter_class=_HelpFormatter,
    )
    pub.set_defaults(func=_publish)
    pub.add_argument("--warehouse", type=Path, default=Path(os.environ.get("DBT_DUCKDB_PATH", DEFAULT_WAREHOUSE)), metavar="FILE",
                     help="the warehouse dbt builds (env DBT_DUCKDB_PATH)")
    pub.add_argument("--out", type=Path, default=Path(os.environ.get("SERVICE_ANALYTICS_PUBLISHED_PATH", DEFAULT_PUBLISHED)), metavar="FILE",
                     help="the published copy readers open (env SERVICE_ANALYTICS_PUBLISHED_PATH)")

    # main() hands `mf ...` to MetricFlow before parsing, so its options are MetricFlow's own
    mf = commands.add_parser(
        "mf",
        help=(
            "MetricFlow's mf command, offline, on the warehouse DBT_DUCKDB_PATH names "
            "(e.g. mf query --metrics response_rate_24h --group-by shop); mf --published ... reads the published copy"
        ),
        description="Runs MetricFlow's `mf` with its arguments, without its check for updates on PyPI.",
        add_help=False,
    )
    mf.set_defaults(func=_mf)

    bench = commands.add_parser(
        "bench",
        help="measure a full build: time, messages per second, peak memory, ratio to the floor",
        description=(
            "Generate an export once (cached under bench/cache/ by its parameters), then measure the "
            "floor query, the full build (seeds and models), the core path and the tests, with peak memory, "
            "and print one table, then each target of issue 20 beside its figure: MET, MISSED or not "
            "measured. Figures are appended to bench/results.jsonl. A slow machine (a MISSED target) is "
            "no failure; a failed step is: it shows FAILED and no figure derived from it, and the exit "
            "status is 1."
        ),
        formatter_class=_HelpFormatter,
    )
    bench.set_defaults(func=_bench)
    bench.add_argument("--messages", type=_positive_int, default=1_000_000, metavar="N", help="approximate messages in the export")
    bench.add_argument("--shops", type=_positive_int, default=100, metavar="N", help="shops in the export")
    bench.add_argument("--days", type=_positive_int, default=30, metavar="N", help="days in the export")
    bench.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default="parquet", help="export file format")
    bench.add_argument("--seed", type=int, default=42, metavar="N", help="generator seed")
    bench.add_argument("--target", choices=("duckdb", "postgres", "spark"), default="duckdb",
                       help="engine: duckdb (the warehouse file), postgres (a throwaway local server started for the "
                       "run) or spark (local pyspark and Java 17, a metastore of its own; a small size: no floor, its "
                       "daily run's ratio to a full Spark build is printed with no target)")
    bench.add_argument(
        "--deliveries",
        action="store_true",
        help="generate the export as daily deliveries (generate --deliveries daily): the earlier days are built "
        "from every delivery but the last day's, and the incremental step adds that day as one new delivery file",
    )
    bench.add_argument(
        "--skip-incremental",
        action="store_true",
        help="measure the full build only (no build of the earlier days and no incremental day): for the largest sizes",
    )
    ld = commands.add_parser(
        "load",
        help="load an export folder into the raw schema of a server engine (postgres, spark)",
        description=(
            "Read an export folder (CSV or Parquet, the raw contract) with the same checks the "
            "DuckDB target uses into the raw contract's tables in the engine's `raw` schema (the six "
            "required ones, and the optional shop_service_hours and shop_holidays, created empty when "
            "the export leaves them out), every column as "
            "text plus delivery_file (the file a row came from), through the engine's bulk path "
            "(COPY on PostgreSQL, Spark's Parquet reader). A table that is one file, and a snapshot "
            "(shops, agents, shop_service_hours, shop_holidays: their last delivery), replaces its raw table. A table delivered as a "
            "folder <table>/ of files gets only the deliveries not loaded before appended; "
            "raw.loaded_deliveries records each loaded file (size, modification time, a fingerprint "
            "of its first and last bytes), and a loaded delivery that changed or vanished stops the "
            "load, naming it. The first load, --replace and another folder load every table whole. "
            "PostgreSQL connection: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (the same "
            "variables the dbt profile reads). Spark: the local session's warehouse, SPARK_WAREHOUSE_DIR."
        ),
    )
    ld.set_defaults(func=_load)
    ld.add_argument("--target", required=True, choices=SERVER_TARGETS, help="the engine to load into")
    ld.add_argument("folder", type=Path, metavar="DIR", help="the export folder")
    ld.add_argument(
        "--replace",
        action="store_true",
        help="load every table whole from the export as it is now, forgetting what was loaded (after a "
        "delivery changed or vanished; then run dbt build --full-refresh)",
    )

    cmp = commands.add_parser(
        "compare",
        help="check that the marts on postgres or spark equal the DuckDB warehouse, row for row",
        description=(
            "Read every table of the marts schema from the DuckDB warehouse (the reference) and "
            "from the target engine, and report any table, column or row that differs. Numbers "
            "are compared to 9 significant digits, so a decimal 0.5 equals a double 0.5. Exit "
            "status 0 when identical, 1 when not. Build both from the same export first."
        ),
        formatter_class=_HelpFormatter,
    )
    cmp.set_defaults(func=_compare)
    cmp.add_argument("--target", required=True, choices=SERVER_TARGETS, help="the engine to compare")
    cmp.add_argument("--reference", type=Path, default=Path(os.environ.get("DBT_DUCKDB_PATH", DEFAULT_WAREHOUSE)), metavar="FILE",
                     help="the DuckDB warehouse built from the same export (env DBT_DUCKDB_PATH)")

    pg = commands.add_parser(
        "postgres",
        help="start or stop a throwaway local PostgreSQL server (for trying the postgres target)",
        description=(
            "start: initdb into a new temporary folder, start PostgreSQL on a free port of "
            "127.0.0.1 and print the PG* variables to export (eval \"$(service-analytics postgres "
            "start)\"). stop: stop it and delete its folder. env: print the variables again. "
            "Never touches a shared server."
        ),
        formatter_class=_HelpFormatter,
    )
    pg.set_defaults(func=_postgres)
    pg.add_argument("action", choices=("start", "stop", "env"), metavar="ACTION",
                    help="start, stop or env (see above)")
    pg.add_argument("--state", type=Path, default=Path("warehouse/postgres.json"), metavar="FILE",
                    help="where the running server is recorded")
    return parser


def _generate(args: argparse.Namespace) -> int:
    config = GenerateConfig(
        out=args.out,
        seed=args.seed,
        shops=args.shops,
        days=args.days,
        messages=args.messages,
        fmt=args.fmt,
        end=args.end,
        bad_row_share=args.bad_row_share,
        progress=args.progress or sys.stderr.isatty(),
        deliveries=args.deliveries,
    )
    try:
        summary = generate(config)
    except ValueError as error:
        print(f"service-analytics generate: {error}", file=sys.stderr)
        return 2
    form = "" if config.deliveries == "single" else f", {config.deliveries} deliveries"
    print(f"wrote {config.out} ({config.fmt}{form}): {summary}")
    return 0


def _check(args: argparse.Namespace) -> int:
    reports = check_export(args.folder, args.encoding)
    print(format_reports(reports))
    return 0 if all(r.ok for r in reports) else 1


def _convert(args: argparse.Namespace) -> int:
    from service_analytics.convert import ConvertError, convert_export

    try:
        converted = convert_export(args.folder, args.out, args.from_encoding,
                                   progress=lambda text: print(text, file=sys.stderr), newline=args.newline)
    except ConvertError as error:
        print(f"service-analytics convert: {error}", file=sys.stderr)
        return 1
    transcoded = sum(f.transcoded for f in converted)
    print(f"wrote {args.out}: {transcoded} CSV file(s) rewritten as UTF-8, {len(converted) - transcoded} copied as they were; "
          f"check it with: service-analytics check {args.out}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from service_analytics.bench import BenchError, format_result, run_bench

    try:
        result = run_bench(args.shops, args.days, args.messages, args.fmt, args.seed,
                           incremental=not args.skip_incremental, target=args.target, deliveries=args.deliveries)
    except BenchError as error:
        print(f"service-analytics bench: {error}", file=sys.stderr)
        return 1
    print(format_result(result))
    if result.failed_steps:
        names = ", ".join(step.name for step in result.failed_steps)
        print(f"service-analytics bench: failed step(s): {names}; no figure is derived from them", file=sys.stderr)
        return 1
    return 0


def _load(args: argparse.Namespace) -> int:
    from service_analytics.load import LoadError, load

    try:
        loaded = load(args.folder, args.target, progress=lambda text: print(text, file=sys.stderr), replace=args.replace)
    except LoadError as error:
        print(f"service-analytics load: {error}", file=sys.stderr)
        return 1
    for table in loaded:
        note = f" ({table.malformed_lines:,} malformed lines kept for quarantine)" if table.malformed_lines else ""
        if table.replaced:
            names = [row.delivery_file for row in table.ledger]
            if not names:
                # an optional table the export leaves out (S10's calendar, D71)
                print(f"raw.{table.name}: not in the export (optional), created empty")
                continue
            files = names[0] if len(names) == 1 else f"{len(names)} deliveries, {names[0]} to {names[-1]}"
            print(f"raw.{table.name}: {table.rows:,} rows{note}, replaced from {files}")
        else:
            print(f"raw.{table.name}: {table.rows:,} rows{note} appended from {table.files} new "
                  f"deliver{'y' if table.files == 1 else 'ies'} ({table.loaded_before} loaded before)")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from service_analytics.compare_engines import differences, duckdb_marts, postgres_marts, spark_marts

    target, reference = args.target, args.reference
    if not reference.exists():
        print(f"service-analytics compare: no DuckDB warehouse at {reference}: run `make build` first", file=sys.stderr)
        return 1
    expected = duckdb_marts(reference)
    try:
        actual = postgres_marts() if target == "postgres" else spark_marts()
    except Exception as error:  # noqa: BLE001 - the engine's own message is the useful part
        print(f"service-analytics compare: cannot read the marts on {target}: {first_line(error)}", file=sys.stderr)
        return 1
    found = differences(expected, actual)
    if found:
        print("\n".join(found))
        print(f"{target} differs from {reference}")
        return 1
    rows = sum(len(table.rows) for table in expected.values())
    print(f"identical: {len(expected)} mart tables, {rows:,} rows on {target} and in {reference}")
    return 0


def _postgres(args: argparse.Namespace) -> int:
    from service_analytics import pg_server

    action, state = args.action, args.state
    try:
        if action == "start":
            if state.exists():
                print(f"service-analytics postgres: a server is already recorded in {state}; "
                      "`service-analytics postgres stop` first", file=sys.stderr)
                return 1
            server = pg_server.start()
            server.save(state)
        else:
            if not state.exists():
                print(f"service-analytics postgres: no server recorded in {state}", file=sys.stderr)
                return 1
            server = pg_server.PostgresServer.load(state)
            if action == "stop":
                server.stop()
                state.unlink()
                print(f"stopped the server on port {server.port} and removed {Path(server.data_dir).parent}")
                return 0
    except pg_server.PostgresServerError as error:
        print(f"service-analytics postgres: {error}", file=sys.stderr)
        return 1
    for name, value in server.env().items():
        print(f"export {name}='{value}'")
    print("export DBT_TARGET=postgres")
    return 0


def _publish(args: argparse.Namespace) -> int:
    try:
        counts = publish(args.warehouse, args.out)
    except PublishError as error:
        print(f"service-analytics publish: {error}", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"service-analytics publish: cannot copy from {args.warehouse} ({first_line(error)}); "
              "is a build still writing it? The published copy is unchanged.", file=sys.stderr)
        return 1
    print(f"published {len(counts)} tables ({sum(counts.values()):,} rows) to {args.out}")
    return 0


def _mf(args: argparse.Namespace) -> int:
    from service_analytics.metricflow_cli import run_mf

    return run_mf([])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["mf"]:
        # everything after `mf` belongs to MetricFlow, --help included
        from service_analytics.metricflow_cli import run_mf

        return run_mf(argv[1:])
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
