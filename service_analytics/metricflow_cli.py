"""`service-analytics mf ...`: MetricFlow's `mf` command, offline.

dbt-metricflow's CLI asks PyPI for a newer version of itself every time it starts
(update_checker). Nothing in this project may reach the internet at run time, so this
wrapper switches that check off and then runs `mf` unchanged. MetricFlow's telemetry
only writes to Python logging; it sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence


def run_mf(args: Sequence[str]) -> int:
    """Run `mf <args>` without the update check; return its exit code."""
    import update_checker

    def no_update(self: update_checker.UpdateChecker, package_name: str, package_version: str) -> None:
        return None

    update_checker.UpdateChecker.check = no_update  # type: ignore[method-assign]
    from dbt_metricflow.cli.main import cli

    try:
        cli.main(args=list(args), prog_name="service-analytics mf", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    return 0
