"""Ring 3: real `dbt build` runs on small exports made for the case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbt_runner import query, run_dbt
from service_analytics.generate import GenerateConfig, generate

MARTS = (
    "fct_sessions", "fct_shop_daily", "fct_agent_daily", "dim_shops", "dim_agents", "rpt_shop_periods",
    "rpt_agent_periods",
    # issue 7 (docs/service-insights.md)
    "fct_topic_daily", "rpt_topic_hotspots", "fct_response_time_buckets_daily", "rpt_first_response_percentiles",
    "fct_shop_hourly", "fct_rating_distribution_daily", "fct_agent_workload_daily", "rpt_agent_rankings",
    "fct_smart_service_daily", "rpt_smart_service_30d",
)


def test_another_export_builds_with_every_test_passing(built: Path) -> None:
    for mart in MARTS:
        (count,) = query(built, f"select count(*) from marts.{mart}")[0]
        assert count > 0, mart


def test_every_shop_has_daily_facts(built: Path) -> None:
    shops = {row[0] for row in query(built, "select shop_id from marts.dim_shops")}
    with_facts = {row[0] for row in query(built, "select distinct shop_id from marts.fct_shop_daily")}
    assert shops == with_facts


def test_buyer_id_and_content_never_leave_the_base_models(built: Path, small_export: Path) -> None:
    where_found = query(
        built,
        "select table_schema || '.' || table_name || '.' || column_name from information_schema.columns "
        "where column_name in ('buyer_id', 'content') and table_schema not in ('raw') "
        "and not table_name like 'base_chat__%' and table_name <> 'stg_chat__messages'",
    )
    assert where_found == []
    # content stays in the clean staging messages (for topic rules); buyer_id does not
    assert query(built, "select count(*) from information_schema.columns where column_name = 'buyer_id' "
                 "and table_name = 'stg_chat__messages'")[0][0] == 0
    buyer_keys = {row[0] for row in query(built, "select distinct buyer_key from marts.fct_sessions")}
    raw_buyers = {row[0] for row in query(built, "select distinct buyer_id from staging.base_chat__messages")}
    assert buyer_keys and raw_buyers and not buyer_keys & raw_buyers


def test_smart_service_request_figures_are_filled_when_the_export_has_requests(built: Path) -> None:
    (requests, waits, coverage) = query(
        built,
        "select sum(human_request_sessions), sum(human_wait_seconds_sum), max(bot_coverage_rate) "
        "from marts.fct_smart_service_daily",
    )[0]
    assert requests > 0 and waits > 0 and coverage > 0


def test_an_export_without_human_requests_gives_null_request_figures(tmp_path: Path, small_export: Path) -> None:
    """I8: the human_requested event is an optional addition; without it those figures are null, not 0."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    events = export / "chat_session_events.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if ",human_requested," not in line]
    assert len(kept) < len(lines)
    events.write_text("".join(kept), encoding="utf-8")
    result = run_dbt(
        ["build", "--select", "+rpt_smart_service_30d", "--resource-type", "seed", "--resource-type", "model"],
        tmp_path / "wh",
        raw_data_dir=export,
    )
    assert result.returncode == 0, result.output[-4000:]
    for table in ("fct_smart_service_daily", "rpt_smart_service_30d"):
        (rows, request_rows, reply_rates, coverage_rows) = query(
            tmp_path / "wh",
            f"select count(*), count(human_request_sessions), count(human_reply_rate), count(bot_coverage_rate) "
            f"from marts.{table}",
        )[0]
        assert rows > 0 and request_rows == 0 and reply_rates == 0 and coverage_rows == rows, table


def test_parquet_export_gives_the_same_marts(
    tmp_path: Path, built: Path, small_export_parameters: dict[str, int]
) -> None:
    export = tmp_path / "parquet_export"
    generate(GenerateConfig(out=export, fmt="parquet", **small_export_parameters))
    workdir = tmp_path / "wh"
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], workdir, raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    sql = "select * from marts.fct_shop_daily order by shop_id, date_day"
    assert query(workdir, sql) == query(built, sql)


def test_a_real_export_needs_a_hash_key(tmp_path: Path, small_export: Path) -> None:
    result = run_dbt(["run"], tmp_path, raw_data_dir=small_export, hash_key=None)
    assert result.returncode != 0
    assert "SERVICE_ANALYTICS_HASH_KEY is not set" in result.output
    assert "Traceback" not in result.output


def test_missing_table_is_named_before_any_model_runs(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    (export / "session_ratings.csv").unlink()
    result = run_dbt(["build"], tmp_path, raw_data_dir=export)
    assert result.returncode != 0
    assert "raw table 'session_ratings' is missing" in result.output
    assert "session_ratings.csv" in result.output
    assert "Traceback" not in result.output
    assert "OK created" not in result.output


def test_missing_required_column_is_named(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    lines = (export / "shops.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    keep = [i for i, name in enumerate(header) if name != "timezone"]
    (export / "shops.csv").write_text(
        "\n".join(",".join(line.split(",")[i] for i in keep) for line in lines) + "\n", encoding="utf-8"
    )
    result = run_dbt(["build"], tmp_path, raw_data_dir=export)
    assert result.returncode != 0
    assert "column 'timezone' is missing from" in result.output
    assert "Traceback" not in result.output


def test_invalid_variables_are_all_named_before_any_model(tmp_path: Path) -> None:
    bad = {
        "session_timeout_hours": -1,
        "response_window_hours": "a day",
        "rating_window_days": 0,
        "satisfied_min_stars": 4.5,
        "max_quarantined_share": 5,
        "build_time": "yesterday",
    }
    result = run_dbt(["build"], tmp_path, extra_vars=bad)
    assert result.returncode != 0
    for name in bad:
        assert f"- {name} must be" in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output


def test_raw_data_dir_that_is_not_a_folder_is_refused(tmp_path: Path) -> None:
    result = run_dbt(["build"], tmp_path, raw_data_dir=tmp_path / "nowhere")
    assert result.returncode != 0
    assert "is not a folder with files in it" in result.output


def test_every_model_and_column_is_documented(built: Path, small_export: Path) -> None:
    import json

    result = run_dbt(["docs", "generate"], built, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-2000:]
    manifest = json.loads((built / "target" / "manifest.json").read_text())
    catalog = json.loads((built / "target" / "catalog.json").read_text())
    assert catalog["nodes"], "empty catalog: nothing was checked"
    missing: list[str] = []
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node["description"].strip():
            missing.append(unique_id)
        documented = {name for name, column in node["columns"].items() if column["description"].strip()}
        for column in catalog["nodes"].get(unique_id, {}).get("columns", {}):
            if column.lower() not in documented:
                missing.append(f"{unique_id}.{column}")
    assert not missing, missing


def _marts_fingerprint(workdir: Path, schema: str = "marts", like: str = "%") -> dict[str, tuple[object, ...]]:
    """Row count and a hash of the sorted row hashes of every table of `schema`."""
    tables = [
        row[0]
        for row in query(
            workdir,
            f"select table_name from information_schema.tables where table_schema = '{schema}' "
            f"and table_type = 'BASE TABLE' and table_name like '{like}' order by 1",
        )
    ]
    fingerprint = {}
    for table in tables:
        columns = [row[0] for row in query(workdir, f"select column_name from information_schema.columns where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position")]
        row_hashes = f"select md5(cast(row({', '.join(columns)}) as varchar)) as h from {schema}.{table}"
        fingerprint[table] = query(workdir, f"select count(*), md5(string_agg(h, ',' order by h)) from ({row_hashes})")[0]
    return fingerprint


def test_same_export_built_twice_gives_identical_marts(built: Path, small_export: Path, tmp_path: Path) -> None:
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], tmp_path, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-4000:]
    first, second = _marts_fingerprint(built), _marts_fingerprint(tmp_path)
    assert set(first) >= set(MARTS)
    assert first == second


def test_another_hash_key_changes_every_buyer_key(built: Path, small_export: Path, tmp_path: Path) -> None:
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model", "-s", "+fct_sessions"], tmp_path, raw_data_dir=small_export, hash_key="another-key")
    assert result.returncode == 0, result.output[-4000:]
    sql = "select buyer_key from marts.fct_sessions"
    assert not {r[0] for r in query(built, sql)} & {r[0] for r in query(tmp_path, sql)}


def test_messy_but_valid_export_builds_and_reconciles(tmp_path: Path, small_export: Path) -> None:
    """BOM, CRLF, reordered and extra columns, a header-only table and a Parquet file
    whose stars column is an integer: all read, nothing lost (the reconciliation tests
    run in this build)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    shops = (export / "shops.csv").read_text(encoding="utf-8").splitlines()
    (export / "shops.csv").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(shops) + "\r\n").encode("utf-8"))
    agents = pacsv.read_csv(export / "agents.csv", convert_options=pacsv.ConvertOptions(strings_can_be_null=False, column_types={c: pa.string() for c in ("agent_id", "shop_id", "agent_name", "role")}))
    reordered = agents.select(["role", "agent_name", "shop_id", "agent_id"]).append_column("team", pa.array(["x"] * agents.num_rows))
    pacsv.write_csv(reordered, export / "agents.csv")
    (export / "shop_vacation_events.csv").write_text("event_id,shop_id,event_type,occurred_at\n", encoding="utf-8")
    ratings = pacsv.read_csv(export / "session_ratings.csv", convert_options=pacsv.ConvertOptions(column_types={"rating_id": pa.string(), "shop_id": pa.string(), "buyer_id": pa.string(), "stars": pa.string(), "rated_at": pa.string()}))
    stars = pa.array([int(s) if s and s.lstrip("-").isdigit() else None for s in ratings.column("stars").to_pylist()], type=pa.int64())
    pq.write_table(ratings.set_column(3, "stars", stars), export / "session_ratings.parquet")
    (export / "session_ratings.csv").unlink()

    result = run_dbt(["build"], tmp_path, raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    (shops_clean,) = query(tmp_path, "select count(*) from staging.stg_chat__shops")[0]
    assert shops_clean == 3
    (agents_clean,) = query(tmp_path, "select count(*) from staging.stg_chat__agents where agent_id like 'A0%'")[0]
    assert agents_clean > 0
    assert query(tmp_path, "select count(*) from staging.stg_chat__vacation_events")[0][0] == 0
    assert query(tmp_path, "select count(*) from staging.stg_chat__ratings")[0][0] > 0


def test_zero_byte_file_stops_with_a_clear_message(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    (export / "agents.csv").write_bytes(b"")
    result = run_dbt(["build"], tmp_path, raw_data_dir=export)
    assert result.returncode != 0
    assert "agents.csv is empty: it needs at least the header row" in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output


@pytest.mark.parametrize(
    ("bad_line", "position"),
    [
        ("A98,S0001,x,agent,one too many", 4),
        # an unbalanced quote runs to the end of the file, so it is put last here
        ('A99,S0001,"unbalanced,agent', None),
    ],
)
def test_malformed_line_is_quarantined_with_its_line_number(
    tmp_path: Path, small_export: Path, built: Path, bad_line: str, position: int | None
) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    lines = (export / "agents.csv").read_text(encoding="utf-8").splitlines()
    line_number = (position if position is not None else len(lines)) + 1
    lines.insert(position if position is not None else len(lines), bad_line)
    (export / "agents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_dbt(["build"], tmp_path, raw_data_dir=export)
    # the build goes on; the reconciliation tests (raw = clean + quarantined + collapsed) pass
    assert result.returncode == 0, result.output
    rows = query(
        tmp_path,
        "select quarantine_detail from staging.stg_chat__quarantine "
        "where source_table = 'agents' and quarantine_reason = 'malformed_line'",
    )
    assert len(rows) == 1
    assert rows[0][0].startswith(f"line {line_number}: {bad_line}")
    # every other agent line is read as in the build of the export without the bad line
    clean_agents = "select agent_id from staging.stg_chat__agents order by agent_id"
    assert query(tmp_path, clean_agents) == query(built, clean_agents)


def test_malformed_line_stops_the_build_when_validation_is_off(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    with (export / "agents.csv").open("a", encoding="utf-8") as agents:
        agents.write("A98,S0001,x,agent,one too many\n")
    result = run_dbt(["build"], tmp_path, raw_data_dir=export, extra_vars={"validate_raw_csv": False})
    assert result.returncode != 0
    assert "A98,S0001,x,agent,one too many" in result.output and "Traceback" not in result.output
