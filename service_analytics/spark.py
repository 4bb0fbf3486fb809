"""The local Spark session the `spark` target uses, for `service-analytics load`.

dbt-spark's `session` method builds its session from the profile's
server_side_parameters; this module reads the same profile (profiles.yml, output
`spark`) so the loader writes into the very metastore and warehouse folder dbt reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment

from service_analytics.contract import PROJECT_ROOT


def spark_parameters(profiles: Path = PROJECT_ROOT / "profiles.yml") -> dict[str, str]:
    """The server_side_parameters of the `spark` output, with env_var() resolved as dbt does."""
    text = profiles.read_text(encoding="utf-8")
    output = yaml.safe_load(text)["service_analytics"]["outputs"]["spark"]
    environment = Environment()
    variables = dict(os.environ)
    # dbt runs from the project root, so the default folder is the project's, wherever this runs
    variables.setdefault("SPARK_WAREHOUSE_DIR", str(PROJECT_ROOT / "warehouse" / "spark"))
    variables.setdefault("SPARK_LOG4J2_CONFIG", str(PROJECT_ROOT / "conf" / "spark-log4j2.properties"))
    environment.globals["env_var"] = lambda name, default=None: variables.get(name, default)
    return {name: environment.from_string(str(value)).render() for name, value in output["server_side_parameters"].items()}


def warehouse_dir() -> Path:
    """SPARK_WAREHOUSE_DIR as the profile resolves it (relative to the project root by default)."""
    return Path(os.environ.get("SPARK_WAREHOUSE_DIR", str(PROJECT_ROOT / "warehouse" / "spark")))


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    # Derby writes derby.log there from the start: without the folder it prints a
    # FileNotFoundException and its whole banner to the console instead.
    warehouse_dir().mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for name, value in spark_parameters().items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
