"""Ring 3: real `dbt build` runs on small exports made for the case."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from dbt_runner import BUILD_WITHOUT_UNIT_TESTS, manifest_models, marts_fingerprint, query, run_dbt
from service_analytics.generate import GenerateConfig, generate

def test_another_export_builds_with_every_test_passing(built: Path) -> None:
    marts = manifest_models(built, schema="marts")
    assert "fct_sessions" in marts, "the manifest lists no marts: was it built?"
    for mart in marts:
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
    assert catalog["sources"], "empty source catalog: the raw columns were not checked"
    missing: list[str] = []
    documented_nodes = [
        (unique_id, node, catalog["nodes"])
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed")
    ] + [(unique_id, source, catalog["sources"]) for unique_id, source in manifest["sources"].items()]
    for unique_id, node, catalogued in documented_nodes:
        if not node["description"].strip():
            missing.append(unique_id)
        documented = {name for name, column in node["columns"].items() if column["description"].strip()}
        for column in catalogued.get(unique_id, {}).get("columns", {}):
            if column.lower() not in documented:
                missing.append(f"{unique_id}.{column}")
    assert not missing, missing


def test_every_macro_a_model_calls_is_documented(tmp_path: Path) -> None:
    """The project's macros that models call (manifest depends_on) have a description and
    every argument one, from the macros/**/*.yml property files; dbt docs shows them."""
    import json

    result = run_dbt(["parse"], tmp_path)
    assert result.returncode == 0, result.output[-2000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    project = f"macro.{manifest['metadata']['project_name']}."
    called = {
        macro
        for node in manifest["nodes"].values() if node["resource_type"] == "model"
        for macro in node["depends_on"]["macros"] if macro.startswith(project)
    }
    assert called, "no project macro found in the models' dependencies: nothing was checked"
    missing: list[str] = []
    for macro_id in sorted(called):
        macro = manifest["macros"][macro_id]
        if not macro["description"].strip():
            missing.append(macro_id)
        described = {argument["name"] for argument in macro["arguments"] if (argument["description"] or "").strip()}
        missing += [f"{macro_id}({name})" for name in macro_arguments(macro["macro_sql"]) if name not in described]
    assert not missing, missing


def test_macro_docs_name_only_macros_that_exist(project_root: Path, tmp_path: Path) -> None:
    """dbt only warns about a description of a macro that is gone; a stale entry fails here."""
    import json

    import yaml

    result = run_dbt(["parse"], tmp_path)
    assert result.returncode == 0, result.output[-2000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    existing = {macro["name"] for macro in manifest["macros"].values() if macro["package_name"] == "service_analytics"}
    described = [
        (path.name, entry["name"])
        for path in sorted((project_root / "macros").rglob("*.yml"))
        for entry in (yaml.safe_load(path.read_text()) or {}).get("macros", [])
    ]
    assert described, "no macro described: nothing was checked"
    assert [item for item in described if item[1] not in existing] == []


def macro_arguments(macro_sql: str) -> list[str]:
    """The argument names of a macro's signature, `{% macro name(a, b=1) %}`."""
    import re

    signature = re.match(r"\{%-?\s*macro\s+\w+\s*\((.*?)\)\s*-?%\}", macro_sql, re.S)
    if signature is None:
        raise ValueError(f"no macro signature in: {macro_sql[:80]!r}")
    return [part.split("=")[0].strip() for part in signature.group(1).split(",") if part.strip()]


def test_same_export_built_twice_gives_identical_marts(built: Path, small_export: Path, tmp_path: Path) -> None:
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], tmp_path, raw_data_dir=small_export)
    assert result.returncode == 0, result.output[-4000:]
    first, second = marts_fingerprint(built), marts_fingerprint(tmp_path)
    assert set(first) >= set(manifest_models(built, schema="marts"))
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

    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, tmp_path, raw_data_dir=export)
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


def test_malformed_lines_are_quarantined_with_their_line_numbers(tmp_path: Path, small_export: Path, built: Path) -> None:
    """Two bad lines in one build: one field too many (line 5), and an unbalanced quote,
    which runs to the end of the file, so it is put last."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    lines = (export / "agents.csv").read_text(encoding="utf-8").splitlines()
    too_many, unbalanced = "A98,S0001,x,agent,one too many", 'A99,S0001,"unbalanced,agent'
    lines.insert(4, too_many)
    lines.append(unbalanced)
    (export / "agents.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, tmp_path, raw_data_dir=export)
    # the build goes on; the reconciliation tests (raw = clean + quarantined + collapsed) pass
    assert result.returncode == 0, result.output
    rows = query(
        tmp_path,
        "select quarantine_detail from staging.stg_chat__quarantine "
        "where source_table = 'agents' and quarantine_reason = 'malformed_line'",
    )
    details = sorted((row[0] for row in rows), key=lambda detail: int(detail.split(":")[0].removeprefix("line ")))
    assert len(details) == 2
    assert details[0].startswith(f"line 5: {too_many}")
    assert details[1].startswith(f"line {len(lines)}: {unbalanced}")
    # every other agent line is read as in the build of the export without the bad line
    clean_agents = "select agent_id from staging.stg_chat__agents order by agent_id"
    assert query(tmp_path, clean_agents) == query(built, clean_agents)


def test_malformed_line_stops_the_build_when_validation_is_off(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    # with the file's own record end (the generator writes CRLF)
    with (export / "agents.csv").open("a", encoding="utf-8", newline="") as agents:
        agents.write("A98,S0001,x,agent,one too many\r\n")
    result = run_dbt(["build"], tmp_path, raw_data_dir=export, extra_vars={"validate_raw_csv": False})
    assert result.returncode != 0
    assert "A98,S0001,x,agent,one too many" in result.output and "Traceback" not in result.output


# issue 19: every valid export file reads, at any size


def _multiline_contents(path: Path) -> int:
    """Messages whose content holds a line break, by Python's own CSV reader."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", newline="", encoding="utf-8") as handle:
        return sum("\n" in row["content"] for row in csv.DictReader(handle))


def test_crlf_and_gzip_export_with_multiline_messages_builds_the_same_marts(
    tmp_path: Path, small_export: Path, built: Path
) -> None:
    """CRLF record ends with bare line feeds inside quoted messages (as Python's csv module
    writes; the generator does too) and gzip-compressed tables read like plain CSV."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    assert b"\r\n" in (export / "chat_messages.csv").read_bytes()
    expected_multiline = _multiline_contents(export / "chat_messages.csv")
    assert expected_multiline > 0
    for table in ("chat_messages", "session_ratings"):
        with (export / f"{table}.csv").open("rb") as source, gzip.open(export / f"{table}.csv.gz", "wb") as target:
            shutil.copyfileobj(source, target)
        (export / f"{table}.csv").unlink()
    result = run_dbt(BUILD_WITHOUT_UNIT_TESTS, tmp_path / "wh", raw_data_dir=export)
    assert result.returncode == 0, result.output[-4000:]
    (multiline,) = query(tmp_path / "wh", "select count(*) from staging.base_chat__messages where content like '%' || chr(10) || '%'")[0]
    assert multiline == expected_multiline
    (carriage_returns,) = query(tmp_path / "wh", "select count(*) from raw.chat_messages where content like '%' || chr(13) || '%'")[0]
    assert carriage_returns == 0
    sql = "select * from marts.fct_shop_daily order by shop_id, date_day"
    assert query(tmp_path / "wh", sql) == query(built, sql)


def test_header_of_a_large_file_is_its_first_line_in_every_run(tmp_path: Path, small_export: Path) -> None:
    """The header probe reads line 1 by construction: registering a multi-hundred-MB
    chat_messages.csv with preserve_insertion_order false (profiles.yml) never takes a
    data line for the header."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    header = "message_id,shop_id,buyer_id,sender_role,agent_id,message_type,sent_at,content\r\n"
    line = "M000000001,S0001,B0000001,buyer,,text,2026-10-01T00:00:00Z,Hello I ordered two and received one\r\n"
    block_lines = 10_000
    blocks = 0
    with (export / "chat_messages.csv").open("w", newline="", encoding="utf-8") as handle:
        handle.write(header)
        while handle.tell() < 300 * 1024 * 1024:
            handle.write(line * block_lines)
            blocks += 1
    for run in range(3):
        result = run_dbt(["run-operation", "register_raw_export"], tmp_path / "wh", raw_data_dir=export)
        assert result.returncode == 0, f"run {run + 1}: {result.output[-2000:]}"
    (rows, ids) = query(tmp_path / "wh", "select count(*), count(distinct message_id) from raw.chat_messages")[0]
    assert (rows, ids) == (blocks * block_lines, 1)


def test_gb18030_export_stops_before_any_model_with_the_conversion_to_run(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    messages = export / "chat_messages.csv"
    messages.write_bytes(messages.read_bytes().decode("utf-8").encode("gb18030"))
    first_bad = next(
        number for number, line in enumerate(messages.read_bytes().split(b"\n"), start=1)
        if not _decodes(line)
    )
    result = run_dbt(["build"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode != 0
    assert f"chat_messages.csv is not utf-8 text: line {first_bad} (byte" in result.output
    assert "iconv -f GB18030 -t UTF-8" in result.output and "service-analytics convert --from gb18030" in result.output
    assert "Possible fixes" not in result.output and "ignore_errors" not in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_utf16_export_builds_the_same_marts_with_raw_csv_encoding(tmp_path: Path, small_export: Path, built: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    for path in export.glob("*.csv"):
        path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    result = run_dbt(["build", "--resource-type", "seed", "--resource-type", "model"], tmp_path / "wh",
                     raw_data_dir=export, extra_vars={"raw_csv_encoding": "utf-16"})
    assert result.returncode == 0, result.output[-4000:]
    sql = "select * from marts.fct_shop_daily order by shop_id, date_day"
    assert query(tmp_path / "wh", sql) == query(built, sql)


def test_latin1_export_reads_with_raw_csv_encoding(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    for path in export.glob("*.csv"):
        path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1", errors="replace"))
    names = {"A000101": "José Núñez", "A000102": "Zoë Ångström"}
    lines = (export / "agents.csv").read_bytes().decode("latin-1").split("\r\n")
    for number, text in enumerate(lines):
        agent_id = text.split(",")[0]
        if agent_id in names:
            fields = text.split(",")
            fields[2] = names[agent_id]
            lines[number] = ",".join(fields)
    (export / "agents.csv").write_bytes("\r\n".join(lines).encode("latin-1"))
    result = run_dbt(["run-operation", "register_raw_export"], tmp_path / "wh", raw_data_dir=export,
                     extra_vars={"raw_csv_encoding": "latin-1"})
    assert result.returncode == 0, result.output[-3000:]
    read = dict(query(tmp_path / "wh", "select agent_id, agent_name from raw.agents where agent_id in ('A000101', 'A000102')"))
    assert read == names


def test_an_encoding_duckdb_cannot_read_stops_before_any_model(tmp_path: Path, small_export: Path) -> None:
    result = run_dbt(["build"], tmp_path, raw_data_dir=small_export, extra_vars={"raw_csv_encoding": "GBK"})
    assert result.returncode != 0
    assert "raw_csv_encoding 'gbk' cannot be read here" in result.output
    assert "service-analytics convert --from gbk" in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output


def test_two_files_of_one_table_stop_before_any_model(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    with (export / "agents.csv").open("rb") as source, gzip.open(export / "agents.csv.gz", "wb") as target:
        shutil.copyfileobj(source, target)
    result = run_dbt(["build"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode != 0
    assert "raw table 'agents' has 2 files" in result.output and "Keep exactly one" in result.output
    assert "Traceback" not in result.output and "OK created" not in result.output


# issue 19: files DuckDB cannot read as they are stop the run with our message


def test_records_ending_partly_in_crlf_and_partly_in_lf_stop_before_any_model(tmp_path: Path, small_export: Path) -> None:
    """Lines appended with LF to CRLF files: the messages file has line breaks inside quoted
    fields, and one appended record (its only LF record end is its last byte)."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    messages = export / "chat_messages.csv"
    assert b'\n' in messages.read_bytes().replace(b"\r\n", b"") and messages.read_bytes().endswith(b"\r\n")
    with messages.open("ab") as handle:
        handle.write(b"M_APPENDED,S0001,B_APPENDED,buyer,,text,2026-10-01T00:00:00Z,hello\n")
    result = run_dbt(["build"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode != 0
    assert "chat_messages.csv has records ending partly in CRLF and partly in LF (" in result.output
    assert " with LF;" in result.output and "service-analytics convert --newline crlf DIR NEW_DIR" in result.output
    assert "invalid state" not in result.output and "Traceback" not in result.output and "OK created" not in result.output


def test_lines_appended_with_lf_in_the_middle_of_the_run_are_named(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    agents = export / "agents.csv"
    lines = agents.read_bytes().split(b"\r\n")
    # two records in the middle end with LF: two LF record ends, the other ones CRLF
    agents.write_bytes(b"\r\n".join(lines[:3]) + b"\n" + lines[3] + b"\n" + b"\r\n".join(lines[4:]))
    expected_crlf = agents.read_bytes().count(b"\r\n")
    result = run_dbt(["run-operation", "register_raw_export"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode != 0
    assert f"agents.csv has records ending partly in CRLF and partly in LF ({expected_crlf} end with CRLF, 2 with LF;" in result.output


def test_crlf_file_without_a_final_line_end_registers(tmp_path: Path, small_export: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    messages = export / "chat_messages.csv"
    messages.write_bytes(messages.read_bytes().removesuffix(b"\r\n"))
    result = run_dbt(["run-operation", "register_raw_export"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode == 0, result.output[-3000:]
    with messages.open(newline="", encoding="utf-8") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))
    assert query(tmp_path / "wh", "select count(*) from raw.chat_messages")[0][0] == expected


def _first_latin1_refused_byte(export: Path) -> tuple[str, int, int]:
    """(file, line, byte) of the first byte 0x80-0x9f, tables in contract order."""
    from service_analytics.contract import RAW_TABLES

    for table in RAW_TABLES:
        for number, line in enumerate((export / f"{table.name}.csv").read_bytes().split(b"\n"), start=1):
            for byte in line:
                if 0x80 <= byte <= 0x9F:
                    return f"{table.name}.csv", number, byte
    raise AssertionError("no byte 0x80-0x9f in the export")


def test_latin1_setting_on_a_utf8_export_names_the_file_and_the_fix(tmp_path: Path, small_export: Path) -> None:
    name, line, byte = _first_latin1_refused_byte(small_export)
    result = run_dbt(["build"], tmp_path, raw_data_dir=small_export, extra_vars={"raw_csv_encoding": "latin-1"})
    assert result.returncode != 0
    assert f"{name} is not latin-1 text: line {line} has the byte 0x{byte:02x}" in result.output
    assert "It is UTF-8 text: build it without raw_csv_encoding" in result.output
    assert "File is not latin-1 encoded" not in result.output and "OK created" not in result.output


def test_utf16_setting_on_a_utf8_export_names_the_file(tmp_path: Path, small_export: Path) -> None:
    first = (small_export / "shops.csv").read_bytes()[:2]
    result = run_dbt(["build"], tmp_path, raw_data_dir=small_export, extra_vars={"raw_csv_encoding": "utf-16"})
    assert result.returncode != 0
    assert f"shops.csv is not utf-16 text as the warehouse reads it" in result.output
    assert f"it starts with the bytes {first[0]:02x} {first[1]:02x}" in result.output
    assert "OK created" not in result.output


def test_undecodable_file_is_named_even_when_validation_is_off(tmp_path: Path, small_export: Path) -> None:
    """D45: a file that is not text in the encoding is a setting to fix, not rows to check."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    messages = export / "chat_messages.csv"
    messages.write_bytes(messages.read_bytes().decode("utf-8").encode("gb18030"))
    result = run_dbt(["build"], tmp_path / "wh", raw_data_dir=export, extra_vars={"validate_raw_csv": False})
    assert result.returncode != 0
    assert "chat_messages.csv is not utf-8 text: line" in result.output
    assert "service-analytics convert --from gb18030" in result.output and "ignore_errors" not in result.output
    assert "OK created" not in result.output


def test_the_readable_encodings_are_the_project_var(tmp_path: Path, small_export: Path) -> None:
    result = run_dbt(["run-operation", "register_raw_export"], tmp_path, raw_data_dir=small_export,
                     extra_vars={"raw_csv_encodings": ["utf-8"], "raw_csv_encoding": "utf-16"})
    assert result.returncode != 0
    assert "raw_csv_encoding 'utf-16' cannot be read here: the warehouse reads CSV files in utf-8 (spelled so)" in result.output


def test_malformed_multiline_record_of_a_crlf_file_is_kept_for_quarantine(tmp_path: Path, small_export: Path) -> None:
    """A record with too few fields, its quoted field over two lines, in a CRLF file: a
    malformed line for quarantine (D16), not a file of mixed line ends."""
    export = tmp_path / "export"
    shutil.copytree(small_export, export)
    agents = export / "agents.csv"
    assert agents.read_bytes().endswith(b"\r\n")
    with agents.open("ab") as handle:
        handle.write(b'A97,S0001,"too\nfew"\r\n')
    result = run_dbt(["run-operation", "register_raw_export"], tmp_path / "wh", raw_data_dir=export)
    assert result.returncode == 0, result.output[-3000:]
    kept = query(tmp_path / "wh", "select csv_line from raw.agents__malformed_lines")
    assert len(kept) == 1 and 'A97,S0001,"too\nfew"' in kept[0][0], kept


@pytest.mark.parametrize("file_name", ["full.duckdb", "my-warehouse.duckdb"])
def test_a_warehouse_file_named_like_a_keyword_or_with_a_hyphen_builds(
        file_name: str, small_export: Path, tmp_path: Path) -> None:
    """DuckDB names the database after the file: `full` is an SQL keyword and `my-warehouse`
    is no plain identifier, so every statement naming the database must quote it."""
    result = run_dbt(["run", "-s", "base_chat__shops", "stg_chat__shops"], tmp_path, raw_data_dir=small_export,
                     extra_env={"DBT_DUCKDB_PATH": str(tmp_path / file_name)})
    assert result.returncode == 0, result.output[-3000:]
    assert "Completed successfully" in result.output
