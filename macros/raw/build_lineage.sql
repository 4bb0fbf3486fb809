{#-
  What history the warehouse was built from (D38, D39). Incremental runs build on earlier
  runs' tables, so they are right only if this run's export is the same history,
  appended: each run that builds models records it (meta.build_lineage, _days) and the
  next one compares before any model and stops with the command to run. Spark rebuilds
  every model each run (D28), so it has nothing to check.
-#}

{#- on-run-start, after register_raw_export. -#}
{% macro check_build_lineage() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {#- a missing key stops here, before any model, on every engine (section 7, D40) -#}
    {% set key_fingerprint = build_key_fingerprint() %}
    {% if target.type == 'spark' or not lineage_applies() %}{{ return('') }}{% endif %}
    {% set setup = [] %}
    {% if not lineage_table_exists('build_lineage') %}
        {% do setup.append("create schema if not exists " ~ lineage_relation('build_lineage').without_identifier().include(database=(target.type == 'duckdb'))) %}
        {% do setup.append("create table " ~ lineage_relation('build_lineage') ~ " (export_folder " ~ dbt.type_string()
            ~ ", key_fingerprint " ~ dbt.type_string() ~ ", row_hash_function " ~ dbt.type_string() ~ ", built_at " ~ dbt.type_string() ~ ")") %}
        {% do setup.append("create table " ~ lineage_relation('build_lineage_days') ~ " (source_table " ~ dbt.type_string()
            ~ ", date_text " ~ dbt.type_string() ~ ", row_count bigint, row_hash_sum " ~ dbt.type_string() ~ ", settled_before " ~ dbt.type_string() ~ ")") %}
    {% endif %}
    {% do setup.append("drop table if exists " ~ lineage_relation('build_lineage_scan')) %}
    {% do setup.append("create table " ~ lineage_relation('build_lineage_scan') ~ " as " ~ lineage_scan_sql()) %}
    {% do lineage_execute(setup | join(';\n')) %}
    {% set problems = lineage_differences(build_export_identity(), key_fingerprint) %}
    {% if not problems %}{{ return('') }}{% endif %}
    {% set missing = incremental_models_not_selected() %}
    {% if flags.FULL_REFRESH and not missing %}
        {#- until this run has rebuilt every incremental model, the record matches no export -#}
        {% do log("Rebuilding in full from another history than the last build's:\n  - " ~ problems | join("\n  - "), info=true) %}
        {% do lineage_execute("delete from " ~ lineage_relation('build_lineage') ~ "; insert into " ~ lineage_relation('build_lineage')
            ~ " (export_folder, key_fingerprint, row_hash_function, built_at) values ('" ~ unfinished_refresh_mark() ~ "', '', '', '')") %}
        {{ return('') }}
    {% endif %}
    {% do lineage_execute("drop table " ~ lineage_relation('build_lineage_scan')) %}
    {{ exceptions.raise_compiler_error(
        "This warehouse was built from another history than the one this run would add to, so an incremental run would mix the two:\n  - "
        ~ problems | join("\n  - ")
        ~ "\nNothing was built. To rebuild every model from this export, run:\n  " ~ full_refresh_command()
        ~ ("\n(a --full-refresh must select every incremental model; this one leaves out " ~ missing | join(', ') ~ ")" if flags.FULL_REFRESH else "")
        ~ "\n(or, if the folder or the key changed by mistake, run again with those of the last build).") }}
{% endmacro %}

{#- on-run-end: records the history this run built from, unless a full refresh that the
    start allowed (D39) left an incremental model unbuilt. -#}
{% macro record_build_lineage() %}
    {% if not execute or target.type == 'spark' or not lineage_applies() %}{{ return('') }}{% endif %}
    {% if not lineage_table_exists('build_lineage_scan') %}
        {{ return('') }}
    {% endif %}
    {% set recorded = run_query("select export_folder from " ~ lineage_relation('build_lineage')) %}
    {% if recorded.rows | length > 0 and recorded.columns[0].values()[0] == unfinished_refresh_mark() %}
        {% set succeeded = [] %}
        {% for result in results if result.status == 'success' %}{% do succeeded.append(result.node.unique_id) %}{% endfor %}
        {% for node in incremental_model_nodes() if node.unique_id not in succeeded %}
            {% do log("The history this warehouse was built from is not recorded: " ~ node.name
                ~ " was not rebuilt, so the next run asks for a full refresh again.", info=true) %}
            {{ return('') }}
        {% endfor %}
    {% endif %}
    {% set boundaries = [] %}
    {% for table in lineage_tables() %}
        {% do boundaries.append("select '" ~ table.name ~ "' as source_table, " ~ lineage_settled_before(table) ~ " as settled_before") %}
    {% endfor %}
    {% do lineage_execute(
        "delete from " ~ lineage_relation('build_lineage_days') ~ ";\n"
        ~ "insert into " ~ lineage_relation('build_lineage_days')
        ~ " (source_table, date_text, row_count, row_hash_sum, settled_before)\n"
        ~ "select scan.source_table, scan.date_text, scan.row_count, scan.row_hash_sum, boundaries.settled_before\n"
        ~ "from " ~ lineage_relation('build_lineage_scan') ~ " as scan inner join (" ~ boundaries | join(' union all ') ~ ") as boundaries\n"
        ~ "on scan.source_table = boundaries.source_table;\n"
        ~ "delete from " ~ lineage_relation('build_lineage') ~ ";\n"
        ~ "insert into " ~ lineage_relation('build_lineage') ~ " (export_folder, key_fingerprint, row_hash_function, built_at) values ('"
        ~ build_export_identity() | replace("'", "''") ~ "', '" ~ build_key_fingerprint() ~ "', '" ~ lineage_row_hash_function() ~ "', '"
        ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "');\n"
        ~ "drop table " ~ lineage_relation('build_lineage_scan')) %}
    {{ return('') }}
{% endmacro %}

{#- Whether this invocation writes models: a run or build (or its retry) that selects
    one. Tests, seeds, compile and docs write none, so they are not stopped (D39). -#}
{% macro lineage_applies() %}
    {% if flags.WHICH not in ['run', 'build', 'retry'] %}{{ return(false) }}{% endif %}
    {% for unique_id in selected_resources if unique_id.startswith('model.') %}
        {{ return(true) }}
    {% endfor %}
    {{ return(false) }}
{% endmacro %}

{#- Runs `sql` in a transaction of its own and commits it: hooks run outside dbt's
    transactions, and what they leave open is rolled back. -#}
{% macro lineage_execute(sql) %}
    {% call statement('build_lineage', auto_begin=True) %}{{ sql }}{% endcall %}
    {% do adapter.commit() %}
{% endmacro %}

{#- From the catalogue, not dbt's cache of relations, which does not see tables the
    hooks create. -#}
{% macro lineage_table_exists(name) %}
    {% set found = run_query("select count(*) from information_schema.tables where table_schema = 'meta' and table_name = '"
        ~ name ~ "' and table_catalog = '" ~ target.database ~ "'") %}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}

{#- Spark has no database level (target.database is undefined there). -#}
{% macro lineage_relation(name) %}
    {{ return(api.Relation.create(database=(target.database if target.type != 'spark' else none), schema='meta', identifier=name)) }}
{% endmacro %}

{#- The raw tables with a time: the contract's first `*_at` column and its id column. The
    snapshot tables have none (the calendar's opens_at and closes_at are times of day). -#}
{% macro lineage_tables() %}
    {% set tables = [] %}
    {% for name, spec in var('raw_contract').items() if name not in var('raw_snapshot_tables') %}
        {% set times = [] %}
        {% for column in spec['columns'] if column.endswith('_at') %}{% do times.append(column) %}{% endfor %}
        {% if times %}
            {% do tables.append({'name': name, 'id': spec['columns'][0], 'time': times[0], 'columns': spec['columns']}) %}
        {% endif %}
    {% endfor %}
    {{ return(tables) }}
{% endmacro %}

{#- Per raw table and day of the timestamp text, the rows and a sum of row hashes. Rows
    that every incremental run re-checks (no date at the start of the timestamp, an
    untidy id, a malformed line: D19) go under a null day. -#}
{% macro lineage_scan_sql() %}
    {% set selects = [] %}
    {% for table in lineage_tables() %}
        {% set day = "case when not " ~ is_untidy_raw_id(table.id) ~ " and coalesce("
            ~ is_iso_date_text('left(' ~ table.time ~ ', 10)') ~ ", false) then left(" ~ table.time ~ ", 10) end" %}
        {% do selects.append(
            "select '" ~ table.name ~ "' as source_table, " ~ day ~ " as date_text, count(*) as row_count, "
            ~ "cast(sum(" ~ lineage_row_hash(table.columns + ['malformed_line']) ~ ") as " ~ dbt.type_string() ~ ") as row_hash_sum "
            ~ "from " ~ api.Relation.create(database=target.database, schema='raw', identifier=table.name) ~ " group by " ~ day) %}
    {% endfor %}
    {{ return(selects | join('\nunion all\n')) }}
{% endmacro %}

{#- A 64-bit number per row of `columns`; summed per day (an exact sum), so the order of
    rows in the export does not matter. -#}
{% macro lineage_row_hash(columns) %}
    {{ return(adapter.dispatch('lineage_row_hash', 'service_analytics')(columns)) }}
{% endmacro %}

{#- The row's values joined by a separator, nulls as empty text (staging reads both alike). -#}
{% macro lineage_row_text(columns) %}
    {% set values = [] %}
    {% for column in columns %}{% do values.append("coalesce(" ~ column ~ ", '')") %}{% endfor %}
    {{ return(values | join(" || '|' || ")) }}
{% endmacro %}

{#- 60 bits of the md5 (Spark SQL; no build checks its history there, D39) -#}
{% macro default__lineage_row_hash(columns) -%}
    cast(conv(substr(md5({{ lineage_row_text(columns) }}), 1, 15), 16, 10) as bigint)
{%- endmacro %}

{#- DuckDB's own hash of the values, far cheaper than md5; it may change with DuckDB's
    version, hence lineage_row_hash_function. -#}
{% macro duckdb__lineage_row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro postgres__lineage_row_hash(columns) -%}
    cast(cast(('x' || substr(md5({{ lineage_row_text(columns) }}), 1, 16)) as bit(64)) as bigint)
{%- endmacro %}

{#- Names the row hash, so that a run after an engine upgrade that changed it compares row
    counts only, and records the new hashes. -#}
{% macro lineage_row_hash_function() %}
    {% if target.type == 'duckdb' %}
        {{ return('duckdb hash() ' ~ run_query('select version()').columns[0].values()[0]) }}
    {% endif %}
    {{ return('md5') }}
{% endmacro %}

{#- The day before which the rows of `table` must not change (the single-file form: the
    latest clean time of its base model less the lookback, less a day); '' (nothing
    settled) when there is no such model or row, or the table is delivered as a folder
    (D49). Shop vacation events have no incremental base model: the messages' day. -#}
{% macro lineage_settled_before(table) %}
    {% set base = {'chat_messages': ('base_chat__messages', 'sent_at', 'chat_messages'),
                   'chat_session_events': ('base_chat__session_events', 'occurred_at', 'chat_session_events'),
                   'session_ratings': ('base_chat__ratings', 'rated_at', 'session_ratings')}.get(table.name, ('base_chat__messages', 'sent_at', 'chat_messages')) %}
    {% set relation = adapter.get_relation(database=target.database, schema='staging', identifier=base[0]) %}
    {% if relation is none %}{{ return("''") }}{% endif %}
    {% set cutoff = add_seconds('max(' ~ base[1] ~ ')', '-' ~ incremental_lookback_seconds()) %}
    {#- delivered as a folder: a later delivery may carry rows of any day, and the ledger
        (meta.raw_deliveries, D51) stops a run on a delivery that changed -#}
    {% set forms = raw_file_forms(base[2]) %}
    {{ return("case when exists (select 1 from " ~ relation ~ " where delivery_file not in ('" ~ forms | join("', '")
        ~ "')) then '' else coalesce((select cast(" ~ add_days('cast(' ~ cutoff ~ ' as date)', -1) ~ " as " ~ dbt.type_string()
        ~ ") from " ~ relation ~ " where quarantine_reason is null), '') end") }}
{% endmacro %}

{#- Why the recorded history and this run's differ, one sentence each; empty when they
    do not (or on a warehouse with no record and no incremental table yet: a first build). -#}
{% macro lineage_differences(export_folder, key_fingerprint) %}
    {% set problems = [] %}
    {% set outdated = incremental_tables_without_their_columns() %}
    {% if outdated %}
        {#- an incremental run would read or append the missing columns and fail in the engine -#}
        {% do problems.append("incremental tables were built by an earlier version of the project and lack columns it now writes: " ~ outdated[:3] | join('; ') ~ (', ...' if outdated | length > 3 else '')) %}
        {{ return(problems) }}
    {% endif %}
    {% set recorded = run_query("select export_folder, key_fingerprint, built_at, row_hash_function from " ~ lineage_relation('build_lineage')) %}
    {% if recorded.rows | length == 0 %}
        {% set built = [] %}
        {% for node in incremental_model_nodes() %}
            {% if adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is not none %}
                {% do built.append(node.name) %}
            {% endif %}
        {% endfor %}
        {% if built %}
            {% do problems.append("this warehouse has no record of the export it was built from (built by an earlier version of the project, or its last full refresh did not finish), and holds incremental tables (" ~ built[:3] | join(', ') ~ ", ...)") %}
        {% endif %}
        {{ return(problems) }}
    {% endif %}
    {% set row = recorded.rows[0] %}
    {% if row[0] == unfinished_refresh_mark() %}
        {% do problems.append("the last full refresh did not finish: the warehouse may hold two exports") %}
        {{ return(problems) }}
    {% endif %}
    {% if row[0] != export_folder %}
        {% do problems.append("the export is another folder: " ~ export_folder ~ " (this run), " ~ row[0] ~ " (the last build, " ~ row[2] ~ " UTC)") %}
    {% endif %}
    {% if row[1] != key_fingerprint %}
        {% do problems.append("SERVICE_ANALYTICS_HASH_KEY is another key than the last build's (every buyer_key and session_id would change)") %}
    {% endif %}
    {#- another folder or key says it all: the days of another export would only bury it -#}
    {% if problems %}{{ return(problems) }}{% endif %}
    {% set compared %}
        with recorded as (
            select source_table, date_text, row_count, row_hash_sum, settled_before
            from {{ lineage_relation('build_lineage_days') }}
        ),
        boundaries as (
            select distinct source_table, settled_before from recorded
        ),
        scanned as (
            select scan.source_table, scan.date_text, scan.row_count, scan.row_hash_sum, boundaries.settled_before
            from {{ lineage_relation('build_lineage_scan') }} as scan
            inner join boundaries on scan.source_table = boundaries.source_table
        ),
        settled_days as (
            select
                coalesce(recorded.source_table, scanned.source_table) as source_table,
                coalesce(recorded.date_text, scanned.date_text) as date_text,
                coalesce(recorded.row_count, 0) as rows_then,
                coalesce(scanned.row_count, 0) as rows_now
            from recorded
            full outer join scanned
                on recorded.source_table = scanned.source_table and recorded.date_text = scanned.date_text
            where coalesce(recorded.date_text, scanned.date_text) < coalesce(recorded.settled_before, scanned.settled_before)
                and (recorded.row_hash_sum is null or scanned.row_hash_sum is null
                    or recorded.row_count <> scanned.row_count
                    or {{ 'true' if row[3] == lineage_row_hash_function() else 'false' }} and recorded.row_hash_sum <> scanned.row_hash_sum)
        ),
        recent_rows as (
            select source_table, sum(rows_then) as rows_then, sum(rows_now) as rows_now
            from (
                select source_table, row_count as rows_then, 0 as rows_now from recorded
                where date_text is null or date_text >= settled_before
                union all
                select source_table, 0 as rows_then, row_count as rows_now from scanned
                where date_text is null or date_text >= settled_before
            ) as recent
            group by source_table
        ),
        changes as (
            select source_table, date_text, rows_then, rows_now from settled_days
            union all
            select source_table, null as date_text, rows_then, rows_now from recent_rows
            where rows_now < rows_then
        )
        select source_table, date_text, rows_then, rows_now from changes
        order by source_table, date_text
    {% endset %}
    {% set changes = run_query(compared) %}
    {% for change in changes.rows[:5] %}
        {% if change[1] is none %}
            {% do problems.append(change[0] ~ ": rows were removed from the recent days (" ~ change[2] ~ " rows then, " ~ change[3] ~ " now): the history was rewritten, not appended") %}
        {% else %}
            {% do problems.append(change[0] ~ ": the rows dated " ~ change[1] ~ " are not those of the last build (" ~ change[2] ~ " rows then, " ~ change[3] ~ " now; an incremental run does not re-check them): the history was rewritten, not appended") %}
        {% endif %}
    {% endfor %}
    {% if changes.rows | length > 5 %}
        {% do problems.append("... and " ~ (changes.rows | length - 5) ~ " more days that differ") %}
    {% endif %}
    {{ return(problems) }}
{% endmacro %}

{#- The record of a full refresh that the start allowed and the end has not yet recorded. -#}
{% macro unfinished_refresh_mark() %}
    {{ return('(a full refresh that has not finished)') }}
{% endmacro %}

{% macro incremental_model_nodes() %}
    {% set nodes = [] %}
    {% for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'incremental' %}
        {% do nodes.append(node) %}
    {% endfor %}
    {{ return(nodes) }}
{% endmacro %}

{#- Each built incremental table lacking a column its model documents, as
    'model (column, ...)': a table an earlier version of the project built. -#}
{% macro incremental_tables_without_their_columns() %}
    {% set outdated = [] %}
    {% for node in incremental_model_nodes() %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
        {% if relation is not none %}
            {% set built = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
            {% set missing = node.columns.keys() | map('lower') | reject('in', built) | list %}
            {% if missing %}{% do outdated.append(node.name ~ ' (' ~ missing | join(', ') ~ ')') %}{% endif %}
        {% endif %}
    {% endfor %}
    {{ return(outdated) }}
{% endmacro %}

{% macro incremental_models_not_selected() %}
    {% set missing = [] %}
    {% for node in incremental_model_nodes() if node.unique_id not in selected_resources %}
        {% do missing.append(node.name) %}
    {% endfor %}
    {{ return(missing) }}
{% endmacro %}

{#- A hash of the key, never the key: whether two builds used the same one. -#}
{% macro build_key_fingerprint() %}
    {{ return(local_md5('service_analytics buyer_key|' ~ buyer_hash_key())) }}
{% endmacro %}

{#- The export this run reads: the absolute folder on DuckDB; on server engines the folder
    `service-analytics load` recorded (raw.export_identity), or a note that it is unknown. -#}
{% macro build_export_identity() %}
    {% if target.type == 'duckdb' %}{{ return(absolute_raw_data_dir()) }}{% endif %}
    {% set loaded = loaded_export_identity() %}
    {{ return(loaded['folder'] if loaded else '(a raw schema not loaded by service-analytics load)') }}
{% endmacro %}

{#- The command that rebuilds everything from this run's export, with this run's vars. -#}
{% macro full_refresh_command() %}
    {% set pairs = [] %}
    {% for name, value in cli_vars().items() %}{% do pairs.append(name ~ ": " ~ value) %}{% endfor %}
    {{ return("dbt build --full-refresh"
        ~ (" --target " ~ target.name if target.name != 'duckdb' else "")
        ~ (" --vars '{" ~ pairs | join(', ') ~ "}'" if pairs else "")) }}
{% endmacro %}
