"""`service-analytics mf ...`: MetricFlow's `mf` command, offline, on the warehouse the
environment names.

dbt-metricflow's CLI asks PyPI for a newer version of itself every time it starts
(update_checker). Nothing in this project may reach the internet at run time, so this
wrapper switches that check off and then runs `mf` unchanged. MetricFlow's telemetry
only writes to Python logging; it sends nothing.

MetricFlow reads `target/semantic_manifest.json`, whose tables carry the database of the
dbt command that wrote it (for DuckDB, the warehouse file's name). When that is not the
database the profile names now (another DBT_DUCKDB_PATH, the published copy, another
target), the wrapper runs `dbt parse` first, so the queries read the warehouse asked for
(decisions.md D42). `--published` queries the published copy, read-only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from service_analytics.dbt_env import venv_command
from service_analytics.publish import DEFAULT_PUBLISHED

# where dbt-metricflow reads the semantic manifest, under the project folder, whatever
# DBT_TARGET_PATH says
SEMANTIC_MANIFEST = Path("target") / "semantic_manifest.json"
PUBLISHED_FLAG = "--published"
# mf commands that read neither the manifest nor the warehouse
NO_MANIFEST_ARGS = frozenset({"--help", "-h", "--version", "tutorial"})


class MetricFlowSetupError(Exception):
    """`service-analytics mf` cannot start (no published copy, dbt parse failed)."""


def _project_dir() -> Path:
    """The dbt project MetricFlow opens: DBT_PROJECT_DIR, else the current folder (as mf does)."""
    return Path(os.environ.get("DBT_PROJECT_DIR") or Path.cwd())


def _profiles_dir() -> Path:
    return Path(os.environ.get("DBT_PROFILES_DIR") or Path.cwd())


def profile_database(project: Path, profiles: Path) -> str | None:
    """The database the project's dbt profile names in this environment: for DuckDB the
    warehouse file's name without its extension (DBT_DUCKDB_PATH), for PostgreSQL
    PGDATABASE, none on Spark. dbt renders the profile, so its defaults apply."""
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt_common.context import set_invocation_context
    from dbt_common.exceptions import DbtBaseException

    project_file = project / "dbt_project.yml"
    if not project_file.is_file():
        raise MetricFlowSetupError(f"no {project_file}: run from the project folder or set DBT_PROJECT_DIR")
    # the profile's env_var() reads the environment from dbt's invocation context
    set_invocation_context(dict(os.environ))
    profile_name = str(yaml.safe_load(project_file.read_text(encoding="utf-8"))["profile"])
    raw_profiles = read_profile(str(profiles))
    if profile_name not in raw_profiles:
        raise MetricFlowSetupError(f"no profile {profile_name!r} in {profiles / 'profiles.yml'}: set DBT_PROFILES_DIR")
    try:
        target_name, rendered = Profile.render_profile(raw_profiles[profile_name], profile_name, None, ProfileRenderer({}))
        # dbt's own step from rendered profile to credentials (dbt-duckdb names the database there)
        credentials = Profile._credentials_from_profile(rendered, profile_name, target_name)
    except DbtBaseException as error:
        raise MetricFlowSetupError(f"cannot read profile {profile_name!r} from {profiles / 'profiles.yml'}: {error}") from None
    database = credentials.database
    return str(database) if database is not None else None


def manifest_databases(manifest: Path) -> set[str | None] | None:
    """The databases of the semantic models in `manifest`; None when there is no readable one."""
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {model["node_relation"].get("database") for model in content.get("semantic_models", [])}


def ensure_semantic_manifest(project: Path, profiles: Path) -> None:
    """Run `dbt parse` into `project`/target when its semantic manifest is missing or was
    written for another database than the profile's."""
    wanted = profile_database(project, profiles)
    found = manifest_databases(project / SEMANTIC_MANIFEST)
    if found == {wanted}:
        return
    reason = (
        f"no {SEMANTIC_MANIFEST}" if found is None
        else f"{SEMANTIC_MANIFEST} names database {', '.join(sorted(str(name) for name in found))!r}"
    )
    print(f"service-analytics mf: {reason}, the warehouse is {wanted!r}: running dbt parse first", file=sys.stderr)
    done = subprocess.run(
        [venv_command("dbt"), "parse", "--quiet", "--project-dir", str(project), "--profiles-dir", str(profiles),
         "--target-path", str(project / "target")],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise MetricFlowSetupError(f"dbt parse failed:\n{(done.stdout + done.stderr).strip()}")


def use_published_copy() -> None:
    """Point this process's dbt profile at the published copy, opened read-only (readers of
    the copy are then never locked out)."""
    published = Path(os.environ.get("SERVICE_ANALYTICS_PUBLISHED_PATH") or DEFAULT_PUBLISHED)
    if not published.is_file():
        raise MetricFlowSetupError(
            f"{published} does not exist: build and publish first (make build, or service-analytics publish)"
        )
    os.environ.update(DBT_TARGET="duckdb", DBT_DUCKDB_PATH=str(published), DBT_DUCKDB_ACCESS_MODE="read_only")


def run_mf(args: Sequence[str]) -> int:
    """Run `mf <args>` without the update check, on the warehouse the environment names (the
    published copy after a leading --published); return its exit code."""
    mf_args = list(args)
    try:
        if mf_args[:1] == [PUBLISHED_FLAG]:
            mf_args = mf_args[1:]
            use_published_copy()
        if mf_args and not NO_MANIFEST_ARGS.intersection(mf_args):
            ensure_semantic_manifest(_project_dir(), _profiles_dir())
    except MetricFlowSetupError as error:
        print(f"service-analytics mf: {error}", file=sys.stderr)
        return 1

    import update_checker

    def no_update(self: update_checker.UpdateChecker, package_name: str, package_version: str) -> None:
        return None

    update_checker.UpdateChecker.check = no_update  # type: ignore[method-assign]
    from dbt_metricflow.cli.main import cli

    try:
        cli.main(args=mf_args, prog_name="service-analytics mf", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0
