"""`service-analytics bench`: how fast and how frugal a full build is, in figures.

Generates an export once (cached under bench/cache/ by its parameters), then measures in
one run: the floor (a single DuckDB query that reads the raw messages and computes the
per-pair window ordering the sessionisation needs), the full build of seeds and models,
the core path alone (for its target), the data and unit tests, and the peak memory of
each step (the largest resident set of the step's processes). Prints one table, then each
target of issue 20 (TARGETS) beside its figure, MET or MISSED, and appends the figures and
the verdicts to bench/results.jsonl.
Nothing here fails on a slow machine: it reports. A step that fails shows FAILED, no
figure is derived from it, and the command's exit status is 1. The steps run in processes
of their own (service_analytics.bench_probe).

With `--deliveries` the export is generated as daily deliveries (`<table>/YYYY-MM-DD`):
the earlier days are built from every delivery but the last day's, and the incremental
step adds the last day as one new delivery file per event table, as a platform delivers
it (on a server engine, `service-analytics load` then appends only that delivery).

For each dbt step the table shows dbt's fixed cost: the seconds from the start of the
command to its first node (start-up, parsing, on-run-start checks) and from its last
node's end to its exit (on-run-end, checkpoint), from run_results.json and the clock.

With `--target postgres` the same steps run on a throwaway PostgreSQL server started for
the run (service_analytics.pg_server): the export is loaded with `service-analytics load`
(its time is a row of its own), the floor is the same window query over raw.chat_messages,
and peak memory is dbt's process; the server's own memory is bounded by its settings.
With `--target spark` the steps run on local Spark in a metastore of the bench's own
(bench/cache/work/spark), with no floor and no core-path step: its daily run's ratio to a
full Spark build is printed with no target.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from service_analytics.check import reader_sql
from service_analytics.contract import PROJECT_ROOT
from service_analytics.dbt_env import venv_command, workdir_env
from service_analytics.deliveries import delivery_files, delivery_stem, is_snapshot
from service_analytics.generate import GenerateConfig, generate
from service_analytics.history import last_full_day, write_history


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mib: float
    returncode: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class BenchResult:
    started_at: str
    machine: str
    messages: int
    sessions: int | None
    shops: int
    days: int
    fmt: str
    floor: Step | None  # None on Spark: no floor query there, no target against it
    models: Step
    tests: Step
    history: Step | None
    incremental: Step | None
    target: str = "duckdb"
    load: Step | None = None
    # The slowest models of the incremental run and of the full build, from dbt's
    # run_results.json: [model name, seconds] (two threads share the machine, so a model's
    # time includes waiting for the other thread's work).
    slowest_models: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # The project's git commit the run measured ("-dirty" with uncommitted changes).
    commit: str = ""
    # On a server engine: loading the export less its last day, before the history build.
    load_history: Step | None = None
    # The export as daily deliveries, the incremental day one new delivery file.
    deliveries: bool = False
    # dbt's fixed cost per dbt step: [seconds before its first node, seconds after its last].
    fixed_costs: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The core path (`+fct_sessions +fct_shop_daily +fct_agent_daily`) built with
    # --full-refresh after the full build, for its target against the floor.
    core: Step | None = None
    # What the service calendar (S10) costs: the seconds of SERVICE_TIME_MODELS and of
    # every model in the full build's run_results.json, summed over the models.
    service_time_seconds: tuple[float, float] | None = None

    # The ratios below are None when a step they come from failed: a failed step's time
    # measures how soon it broke, not the work.
    @property
    def incremental_vs_full(self) -> float | None:
        if self.incremental is None or not (self.incremental.ok and self.models.ok) or not self.models.seconds:
            return None
        return self.incremental.seconds / self.models.seconds

    @property
    def messages_per_second(self) -> float | None:
        if not self.models.ok or not self.models.seconds:
            return None
        return self.messages / self.models.seconds

    @property
    def models_vs_floor(self) -> float | None:
        return _vs_floor(self.models, self.floor)

    @property
    def core_vs_floor(self) -> float | None:
        return _vs_floor(self.core, self.floor)

    @property
    def dbt_steps(self) -> list[Step]:
        """The dbt steps that ran (their processes are the ones whose memory counts)."""
        steps = (self.history, self.incremental, self.models, self.core, self.tests)
        return [step for step in steps if step is not None]

    @property
    def peak_memory_gib(self) -> float | None:
        """The largest peak resident set of the dbt steps, in GiB; None when one failed."""
        steps = self.dbt_steps
        if not steps or not all(step.ok for step in steps):
            return None
        return max(step.peak_rss_mib for step in steps) / 1024

    @property
    def failed_steps(self) -> list[Step]:
        steps = (self.load_history, self.history, self.load, self.floor, self.models, self.core, self.tests,
                 self.incremental)
        return [step for step in steps if step is not None and not step.ok]


def _vs_floor(step: Step | None, floor: Step | None) -> float | None:
    """`step`'s time as a multiple of the floor's; None when either is missing or failed."""
    if step is None or floor is None or not (step.ok and floor.ok) or not floor.seconds:
        return None
    return step.seconds / floor.seconds


class BenchError(RuntimeError):
    """The benchmark itself broke (not a step it measures)."""


@dataclass(frozen=True)
class Target:
    """A figure of issue 20 and its limit: `unit` is "share" (of the full build, printed
    as %), "times" (the floor) or "GiB"; `limit` None means printed, with no target."""

    key: str
    label: str
    limit: float | None
    unit: str
    strictly_below: bool = False


# Issue 20's targets: the one place they are written. They are set at 10M messages; a run
# of fewer than 365 days judges the 30-day daily-run target, a longer one the year's (D66).
TARGETS: tuple[Target, ...] = (
    Target("daily_30_days", "daily run / full build, 30 days of history", 0.10, "share"),
    Target("daily_year", "daily run / full build, a year of history", 0.05, "share"),
    Target("core_vs_floor", "core path / floor", 12.0, "times"),
    Target("models_vs_floor", "all models / floor", 15.0, "times"),
    Target("peak_memory", "peak memory of the dbt steps", 4.0, "GiB", strictly_below=True),
    Target("spark_incremental", "Spark daily run / full Spark build", None, "share"),
)
TARGET_MESSAGES = 10_000_000
YEAR_DAYS = 365


@dataclass(frozen=True)
class Judged:
    """A target beside its figure: `status` is MET, MISSED, "no target" or "not measured"
    (then `figure` is None and `why` says which step did not run or failed)."""

    target: Target
    figure: float | None
    status: str
    why: str = ""


def _unmeasured(steps: dict[str, Step | None]) -> str:
    """Why a figure from `steps` ({reason a step did not run: step}) is missing: the first
    step that did not run or failed; empty when all ran and succeeded."""
    for absent, step in steps.items():
        if step is None:
            return absent
        if not step.ok:
            return f"{step.name} FAILED"
    return ""


def judge(result: BenchResult) -> list[Judged]:
    """Each target of TARGETS beside this run's figure for it, MET or MISSED, or why the
    figure is missing (its step did not run, or failed: no figure derived from it)."""
    spark = result.target == "spark"
    year = result.days >= YEAR_DAYS
    not_spark = "" if not spark else "not on Spark"
    incremental = {"--skip-incremental": result.history, "the earlier days' build did not run": result.incremental,
                   "no full build": result.models}
    floor = {"no floor on Spark": result.floor}
    figures: dict[str, tuple[float | None, str]] = {
        "daily_30_days": (result.incremental_vs_full,
                          not_spark or ("a run of a year judges the year's target" if year else _unmeasured(incremental))),
        "daily_year": (result.incremental_vs_full,
                       not_spark or (_unmeasured(incremental) if year else f"the run has {result.days} days, not {YEAR_DAYS}")),
        "core_vs_floor": (result.core_vs_floor, _unmeasured({**floor, "no core path step": result.core})),
        "models_vs_floor": (result.models_vs_floor, _unmeasured({**floor, "no full build": result.models})),
        "peak_memory": (result.peak_memory_gib,
                        _unmeasured({step.name: step for step in result.dbt_steps}) if result.target == "duckdb"
                        else f"on {result.target} the engine's memory is a process the bench does not measure"),
        "spark_incremental": (result.incremental_vs_full,
                              _unmeasured(incremental) if spark else f"the run is on {result.target}, not spark"),
    }
    judged = []
    for target in TARGETS:
        figure, why = figures[target.key]
        if why or figure is None:
            judged.append(Judged(target, None, "not measured", why or "its step did not run"))
        elif target.limit is None:
            judged.append(Judged(target, figure, "no target"))
        else:
            met = figure < target.limit if target.strictly_below else figure <= target.limit
            judged.append(Judged(target, figure, "MET" if met else "MISSED"))
    return judged


def _in_unit(value: float, unit: str, limit: bool = False) -> str:
    """A figure (or, `limit`, a target's round number) in its unit: 12.3%, 4.5x, 3.21 GiB."""
    if limit:
        return {"share": f"{value:.0%}", "times": f"{value:g}x", "GiB": f"{value:g} GiB"}[unit]
    return {"share": f"{value:.1%}", "times": f"{value:.1f}x", "GiB": f"{value:.2f} GiB"}[unit]


def format_targets(result: BenchResult) -> str:
    """One line per target: the figure, the target, and MET, MISSED, "no target" or "not
    measured (why)"."""
    judged = judge(result)
    size = "" if result.messages >= TARGET_MESSAGES else f"; this run {result.messages:,} messages"
    lines = [f"targets (issue 20, set at {TARGET_MESSAGES:,} messages{size})"]
    width = max(len(j.target.label) for j in judged)
    for j in judged:
        target = j.target
        figure = _in_unit(j.figure, target.unit) if j.figure is not None else "n/a"
        limit = "none" if target.limit is None else (
            f"{'<' if target.strictly_below else '<='} {_in_unit(target.limit, target.unit, limit=True)}")
        status = f"not measured ({j.why})" if j.status == "not measured" else j.status
        lines.append(f"  {target.label:<{width}}  {figure:>9}  target {limit:<8}  {status}")
    return "\n".join(lines)


PROBE = [sys.executable, "-m", "service_analytics.bench_probe"]
# The core path of issue 20's targets: the sessions and both daily facts, with their parents.
CORE_PATH = ("+fct_sessions", "+fct_shop_daily", "+fct_agent_daily")
# The models that turn the service calendar into service time (S10; the generator writes a
# calendar for every other shop), whose share of the full build the table shows.
SERVICE_TIME_MODELS = ("int_shops__service_intervals", "int_shops__service_time_spine")


def measure(name: str, command: list[str], env: dict[str, str], quiet: bool = True) -> Step:
    """Run `command` in a fresh wrapper process (bench_probe measure), so its peak memory is its own."""
    done = subprocess.run(
        [*PROBE, "measure", *([] if quiet else ["--show-output"]), *command],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BenchError(f"could not measure {name}: {(done.stderr.strip() or 'no output')[-2000:]}")
    figures = json.loads(lines[-1])
    return Step(name, figures["seconds"], figures["maxrss_kib"] / 1024, figures["code"])

# A server for measuring, not for keeping: memory for sorts and hashes like DuckDB's limit.
POSTGRES_BENCH_SETTINGS = {"shared_buffers": "1GB", "work_mem": "256MB", "maintenance_work_mem": "512MB",
                           "max_wal_size": "8GB", "checkpoint_timeout": "30min"}


def export_for(
    shops: int, days: int, messages: int, fmt: str, seed: int, cache: Path, deliveries: bool = False
) -> Path:
    form = "-daily" if deliveries else ""
    folder = cache / f"export-s{seed}-shops{shops}-days{days}-m{messages}-{fmt}{form}"
    if not (folder / ".complete").exists():
        generate(GenerateConfig(out=folder, seed=seed, shops=shops, days=days, messages=messages, fmt=fmt, progress=True,
                                deliveries="daily" if deliveries else "single"))
        (folder / ".complete").write_text("ok\n")
    return folder


def last_delivery_day(export: Path) -> str:
    """The name (without suffix) of the last delivery of chat_messages: the new day."""
    files = delivery_files(export / "chat_messages")
    if not files:
        raise BenchError(f"{export / 'chat_messages'} holds no delivery")
    return delivery_stem(files[-1])


def link_deliveries(folder: Path, export: Path, without: str | None = None) -> list[Path]:
    """Make `folder` hold the deliveries of `export` as hard links (copies across file
    systems), leaving out the deliveries named `without` of the event tables; files
    already there are kept as they are, like a delivery folder that only grows. Returns
    the files linked now."""
    linked = []
    for table_folder in sorted(p for p in export.iterdir() if p.is_dir()):
        (folder / table_folder.name).mkdir(parents=True, exist_ok=True)
        for file in delivery_files(table_folder):
            target = folder / table_folder.name / file.name
            if target.exists() or (without is not None and not is_snapshot(table_folder.name) and delivery_stem(file) == without):
                continue
            try:
                os.link(file, target)
            except OSError:
                shutil.copy2(file, target)
            linked.append(target)
    return linked


def history_for(export: Path) -> Path:
    """The export less its last day (cached beside it), for the incremental measurement."""
    last_day = last_full_day(export)
    folder = export.parent / f"{export.name}-before-{last_day.isoformat()}"
    if not (folder / ".complete").exists():
        write_history(export, folder, last_day)
        (folder / ".complete").write_text("ok\n")
    return folder


def run_bench(
    shops: int, days: int, messages: int, fmt: str = "parquet", seed: int = 42, out: Path | None = None,
    incremental: bool = True, target: str = "duckdb", deliveries: bool = False,
) -> BenchResult:
    bench_dir = out or PROJECT_ROOT / "bench"
    export = export_for(shops, days, messages, fmt, seed, bench_dir / "cache", deliveries)
    work = bench_dir / "cache" / "work"
    work.mkdir(parents=True, exist_ok=True)
    warehouse = work / "bench.duckdb"
    warehouse.unlink(missing_ok=True)
    memory = os.environ.get("DBT_DUCKDB_MEMORY_LIMIT", "3GB")
    env = workdir_env(work, warehouse, target)
    if target == "spark":
        # a metastore and tables of the bench's own, new on every run
        _clear(work / "spark")
        env["SPARK_WAREHOUSE_DIR"] = str(work / "spark")
    env.update(
        DBT_DUCKDB_MEMORY_LIMIT=memory,
        SERVICE_ANALYTICS_HASH_KEY=env.get("SERVICE_ANALYTICS_HASH_KEY", "benchmark-key"),
    )
    def run(step_env: dict[str, str]) -> BenchResult:
        return _run_steps(
            BenchRun(bench_dir, export, step_env, shops, days, messages, fmt, incremental, target, memory, warehouse,
                     deliveries)
        )

    if target == "postgres":
        from service_analytics import pg_server

        server = pg_server.start(settings=POSTGRES_BENCH_SETTINGS)
        try:
            return run({**env, **server.env()})
        finally:
            server.stop()
    return run(env)


@dataclass(frozen=True)
class BenchRun:
    """What one benchmark run measures, and where: the export and its parameters, the
    environment of every step (a server's variables included) and the warehouse it builds."""

    bench_dir: Path
    export: Path
    env: dict[str, str]
    shops: int
    days: int
    messages: int
    fmt: str
    incremental: bool
    target: str
    memory: str
    warehouse: Path
    deliveries: bool = False


def _run_steps(run: BenchRun) -> BenchResult:
    bench_dir, export, env, target, warehouse = run.bench_dir, run.export, run.env, run.target, run.warehouse
    dbt = venv_command("dbt")
    loader = venv_command("service-analytics")
    # Like a daily schedule, every run names the same export folder, whose contents grow
    # (a link to the history, then to the whole export): the same variables let dbt
    # reuse its parse, as it does day after day.
    target_path = Path(env["DBT_TARGET_PATH"])
    current_export = target_path.parent / "export"
    variables = ["--vars", f"{{raw_data_dir: '{current_export}'}}"]
    on_server = target != "duckdb"
    build = [dbt, "build", "--resource-type", "seed", "--resource-type", "model"]
    history: Step | None = None
    incremental_day: Step | None = None
    load: Step | None = None
    load_history: Step | None = None
    # The incremental day: build every day but the last, then run again with the whole
    # export; then a full refresh of the whole export in the same warehouse, then the tests.
    # With deliveries the folder is a real one that gains the new day's files.
    if run.deliveries:
        _clear(current_export)
    if run.incremental:
        if run.deliveries:
            link_deliveries(current_export, export, without=last_delivery_day(export))
        else:
            _point(current_export, history_for(export))
        if on_server:
            load_history = measure("load history", [loader, "load", "--target", target, str(current_export)], env)
        history = measure("history", [*build, *variables], env)
    if run.deliveries:
        link_deliveries(current_export, export)
    else:
        _point(current_export, export)
    floor: Step | None = None  # none on Spark: its figures have no target against the floor
    if on_server:
        load = measure("load", [loader, "load", "--target", target, str(current_export)], env)
        if target == "postgres":
            floor = measure("floor", [*PROBE, "floor-postgres"], env)
    else:
        floor = measure("floor", [*PROBE, "floor-duckdb", "--memory", run.memory, "--reader", messages_reader(export)], env)
    slowest: dict[str, list[tuple[str, float]]] = {}
    fixed: dict[str, tuple[float, float]] = {}
    service_time: dict[str, tuple[float, float] | None] = {}
    run_results = target_path / "run_results.json"

    def profiled(name: str, command: list[str]) -> Step:
        """measure() a dbt step and keep its slowest models and fixed cost (none from an earlier step)."""
        run_results.unlink(missing_ok=True)
        started = time.time()
        step = measure(name, command, env)
        ended = time.time()
        slowest[name] = slowest_models(run_results)
        service_time[name] = models_seconds(run_results, SERVICE_TIME_MODELS)
        cost = dbt_fixed_cost(run_results, started, ended)
        if cost is not None:
            fixed[name] = cost
        return step

    if history is not None and history.returncode == 0:
        incremental_day = profiled("incremental", [*build, *variables])
    models = profiled("models", [*build, "--full-refresh", *variables])
    # The core path on its own, for its target against the floor (none on Spark: no floor).
    core = measure("core path", [*build, "--full-refresh", "--select", *CORE_PATH, *variables], env) if floor else None
    tests = measure("tests", [dbt, "test", *variables], env)
    sessions, raw_messages = (
        _counts(target, warehouse, env) if models.returncode == 0 and target != "spark" else (None, run.messages))
    result = BenchResult(
        started_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, {_memory_gib():.0f} GiB, {platform.system()}",
        messages=int(raw_messages),
        sessions=sessions,
        shops=run.shops,
        days=run.days,
        fmt=run.fmt,
        floor=floor,
        models=models,
        tests=tests,
        history=history,
        incremental=incremental_day,
        target=target,
        load=load,
        slowest_models=slowest,
        commit=project_commit(),
        load_history=load_history,
        deliveries=run.deliveries,
        fixed_costs=fixed,
        core=core,
        service_time_seconds=service_time.get("models"),
    )
    with (bench_dir / "results.jsonl").open("a", encoding="utf-8") as f:
        f.write(
            json.dumps(
                {
                    **asdict(result),
                    "messages_per_second": result.messages_per_second,
                    "models_vs_floor": result.models_vs_floor,
                    "incremental_vs_full": result.incremental_vs_full,
                    "core_vs_floor": result.core_vs_floor,
                    "peak_memory_gib": result.peak_memory_gib,
                    "targets": {j.target.key: {"figure": j.figure, "limit": j.target.limit, "status": j.status}
                                for j in judge(result)},
                }
            )
            + "\n"
        )
    return result


def project_commit() -> str:
    """The short commit of the project checkout, with "-dirty" when files differ from it;
    empty outside a git checkout."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if commit and git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results.jsonl"):
        commit += "-dirty"
    return commit


def messages_reader(export: Path) -> str:
    """The DuckDB reader of the export's chat messages, one file or every delivery."""
    folder = export / "chat_messages"
    if folder.is_dir():
        files = delivery_files(folder)
        if not files:
            raise BenchError(f"{folder} holds no delivery")
        return reader_sql(folder / f"*{files[0].name[len(delivery_stem(files[0])):]}")
    return reader_sql(next(export.glob("chat_messages.*")))


def dbt_fixed_cost(run_results: Path, started: float, ended: float) -> tuple[float, float] | None:
    """dbt's fixed cost in a step that ran from `started` to `ended` (epoch seconds): the
    seconds before its first node started and after its last node ended, by the node
    timings of run_results.json; None without them (the step failed early)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
        times = [
            (datetime.fromisoformat(str(timing["started_at"]).replace("Z", "+00:00")).timestamp(),
             datetime.fromisoformat(str(timing["completed_at"]).replace("Z", "+00:00")).timestamp())
            for result in results for timing in result.get("timing", [])
            if timing.get("started_at") and timing.get("completed_at")
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not times:
        return None
    return max(0.0, min(start for start, _ in times) - started), max(0.0, ended - max(end for _, end in times))


def _clear(path: Path) -> None:
    """Remove a link or folder left by an earlier run."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _point(link: Path, folder: Path) -> None:
    """Make `link` a symbolic link to `folder` (replacing what it pointed to)."""
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(folder.resolve(), target_is_directory=True)


def model_timings(run_results: Path) -> list[tuple[str, float]] | None:
    """[model name, seconds] of each model of the dbt run whose run_results.json this is;
    None when the file is missing or unreadable (the step failed early)."""
    try:
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return None
    return [
        (str(r["unique_id"]).rsplit(".", 1)[-1], float(r.get("execution_time") or 0.0))
        for r in results
        if str(r.get("unique_id", "")).startswith("model.")
    ]


def slowest_models(run_results: Path, most: int = 6) -> list[tuple[str, float]]:
    """The `most` slowest models of the dbt run whose run_results.json this is, slowest
    first; empty when the file is missing or unreadable (the step failed early)."""
    return sorted(model_timings(run_results) or [], key=lambda model: -model[1])[:most]


def models_seconds(run_results: Path, names: tuple[str, ...]) -> tuple[float, float] | None:
    """(seconds of the models `names`, seconds of every model), summed over the models of
    the dbt run whose run_results.json this is; None when the file is missing or
    unreadable (the step failed early)."""
    models = model_timings(run_results)
    if models is None:
        return None
    return sum(seconds for model, seconds in models if model in names), sum(seconds for _, seconds in models)


def format_service_time(seconds: tuple[float, float] | None) -> str | None:
    """The table's figure of what the service calendar costs in the full build, from
    (seconds of SERVICE_TIME_MODELS, seconds of every model); None without timings."""
    if seconds is None or seconds[1] <= 0:
        return None
    calendar, every_model = seconds
    return (f"{calendar:.1f} s, {calendar / every_model:.1%} of the {every_model:.1f} s of every model summed "
            f"({', '.join(SERVICE_TIME_MODELS)})")


def _counts(target: str, warehouse: Path, env: dict[str, str]) -> tuple[int, int]:
    """Sessions in fct_sessions and rows of raw.chat_messages."""
    sql = "select (select count(*) from marts.fct_sessions), (select count(*) from raw.chat_messages)"
    if target == "postgres":
        import psycopg2

        server = {"host": env.get("PGHOST"), "port": env.get("PGPORT"), "user": env.get("PGUSER"),
                  "dbname": env.get("PGDATABASE"), "password": env.get("PGPASSWORD")}
        with psycopg2.connect(**{k: v for k, v in server.items() if v}) as connection, connection.cursor() as cursor:
            cursor.execute(sql)
            row = cursor.fetchone()
    else:
        import duckdb

        with duckdb.connect(str(warehouse), read_only=True) as connection:
            row = connection.execute(sql).fetchone()
    if row is None:
        raise BenchError(f"no row counts from the {target} warehouse")
    return int(row[0]), int(row[1])


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def _step_figures(step: Step) -> str:
    failed = "" if step.ok else f"  (FAILED, exit {step.returncode})"
    return f"{step.seconds:8.1f} s   peak {step.peak_rss_mib:7.0f} MiB{failed}"


def _no_figure(*steps: Step | None) -> str:
    """Why a figure derived from `steps` is missing: the first of them that failed."""
    failed = next((step for step in steps if step is not None and not step.ok), None)
    return f"n/a ({failed.name} FAILED)" if failed else "n/a"


def format_result(result: BenchResult) -> str:
    """The figures as one table; a failed step shows FAILED and no figure derived from it."""
    messages_per_second, models_vs_floor = result.messages_per_second, result.models_vs_floor
    incremental_vs_full = result.incremental_vs_full
    rows = [
        ("machine", result.machine),
        ("engine", result.target),
        *([("commit", result.commit)] if result.commit else []),
        ("export", f"{result.messages:,} messages, {result.shops} shops, {result.days} days, {result.fmt}"
                   + (", daily deliveries" if result.deliveries else "")),
        ("sessions", f"{result.sessions:,}" if result.sessions is not None else "n/a"),
        *(
            [("load (service-analytics load)" + (", the new day's delivery" if result.deliveries and result.history else ""),
              _step_figures(result.load))]
            if result.load
            else []
        ),
        ("floor (read + per-pair window order)",
         _step_figures(result.floor) if result.floor else f"n/a (no floor query on {result.target})"),
        ("full build: seeds + models", _step_figures(result.models)),
        *([("full build: the core path alone", _step_figures(result.core))] if result.core else []),
        ("full build: data + unit tests", _step_figures(result.tests)),
        (
            "messages per second (models)",
            f"{messages_per_second:,.0f}" if messages_per_second is not None else _no_figure(result.models),
        ),
        (
            "models / floor",
            f"{models_vs_floor:.1f}x" if models_vs_floor is not None else _no_figure(result.models, result.floor),
        ),
        *(
            [(label, _step_figures(step))
             for label, step in (("incremental: load of the earlier days", result.load_history),
                                 ("incremental: build of the earlier days", result.history))
             if step is not None and not step.ok]
        ),
        (
            "incremental: one new day" + (" (one new delivery)" if result.deliveries else ""),
            _step_figures(result.incremental)
            if result.incremental
            else "n/a (--skip-incremental, or the build of the earlier days failed)",
        ),
        (
            "incremental day / full build",
            f"{incremental_vs_full:.1%}" if incremental_vs_full is not None
            else _no_figure(result.incremental, result.models),
        ),
    ]
    for name, label in (("incremental", "dbt fixed cost, incremental"), ("models", "dbt fixed cost, full build")):
        step = result.models if name == "models" else result.incremental
        if name in result.fixed_costs and step is not None and step.ok:
            before, after = result.fixed_costs[name]
            rows.append((label, f"{before + after:.1f} s: {before:.1f} s to the first node, {after:.1f} s after the last "
                                f"(of {step.seconds:.1f} s)"))
    service_time = format_service_time(result.service_time_seconds) if result.models.ok else None
    if service_time is not None:
        rows.append(("service calendar (S10), full build", service_time))
    for name, label in (("models", "slowest models, full build"), ("incremental", "slowest models, incremental")):
        step = result.models if name == "models" else result.incremental
        if result.slowest_models.get(name) and step is not None and step.ok:
            rows.append((label, ", ".join(f"{model} {seconds:.1f} s" for model, seconds in result.slowest_models[name])))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows) + "\n\n" + format_targets(result)
