{#-
  Deliveries (shared/spec/raw-contract.md, docs/decisions.md D48-D51): a raw table is
  one file `<table>.csv|.csv.gz|.parquet` or a folder `<table>/` of delivery files, the
  table being their union. Every raw row carries delivery_file. The incremental base
  models stage only the delivery files not yet in their own table, and re-judge (S9)
  only the ids those rows carry, against the versions they already hold.
-#}

{#- The files of raw table `table` in the export folder, in file-name order, and whether
    they are the folder form. Stops the run when the table is missing (an optional one, var
    raw_optional_tables, has no files then), or both forms (or
    two single files) are there (D33, D48). A snapshot table's folder is read as its last
    delivery only. -#}
{% macro raw_table_files(table, raw_dir) %}
    {% set quoted_dir = raw_dir | replace("'", "''") %}
    {% set forms = raw_file_forms(table) %}
    {% set globs = [] %}
    {% for form in forms %}
        {% do globs.append("select file from glob('" ~ quoted_dir ~ "/" ~ form ~ "')") %}
    {% endfor %}
    {% set single = run_query(globs | join(' union all ') ~ " order by file").columns[0].values() %}
    {% set globs = [] %}
    {% for pattern in raw_delivery_patterns() %}
        {% do globs.append("select file from glob('" ~ quoted_dir ~ "/" ~ table ~ "/" ~ pattern ~ "')") %}
    {% endfor %}
    {% set delivered = run_query(globs | join(' union all ') ~ " order by file").columns[0].values() %}
    {% if single | length == 0 and delivered | length == 0 and table in var('raw_optional_tables') %}
        {# S10: an optional table left out of the export is a table with no rows #}
        {{ return({'folder': false, 'files': []}) }}
    {% endif %}
    {% if single | length == 0 and delivered | length == 0 %}
        {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' is missing: expected " ~ raw_dir ~ "/" ~ forms | join(', ' ~ raw_dir ~ '/') ~ " (one of them), or a folder " ~ raw_dir ~ "/" ~ table ~ "/ of delivery files (" ~ raw_delivery_patterns() | join(', ') ~ "). Every export must hold all six required tables of the raw contract (docs: shared/spec/raw-contract.md); a table with no rows is a file with just the header row.") }}
    {% endif %}
    {% if single | length > 0 and delivered | length > 0 %}
        {# D48: as D33, the two forms may be two different histories #}
        {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' is there in both forms: " ~ single | join(', ') ~ " and the folder " ~ raw_dir ~ "/" ~ table ~ "/ (" ~ delivered | length ~ " delivery files). Keep one form only (move the other out of the export folder), so the build cannot read a stale copy.") }}
    {% endif %}
    {% if single | length > 1 %}
        {# D33: two forms of one table may be two different deliveries; reading either
           silently could build on the stale one #}
        {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' has " ~ single | length ~ " files: " ~ single | join(', ') ~ ". Keep exactly one of them in the export folder (move or delete the others), so the build cannot read a stale copy.") }}
    {% endif %}
    {% if single | length == 1 %}
        {{ return({'folder': false, 'files': single}) }}
    {% endif %}
    {% if table in var('raw_snapshot_tables') %}
        {{ return({'folder': true, 'files': delivered[-1:]}) }}
    {% endif %}
    {{ return({'folder': true, 'files': delivered}) }}
{% endmacro %}

{#- The file names a delivery file in a table's folder may have. -#}
{% macro raw_delivery_patterns() %}
    {{ return(['*.csv', '*.csv.gz', '*.parquet']) }}
{% endmacro %}

{#- The config of the base models staged by delivery: delete+insert on id_key (the ids a
    run re-judges). -#}
{% macro delivery_incremental_config() -%}
    {{ return(adapter.dispatch('delivery_incremental_config', 'service_analytics')()) }}
{%- endmacro %}

{% macro default__delivery_incremental_config() -%}
    {{ delete_insert_config('id_key') }}
{%- endmacro %}

{#- Spark (D84): Parquet tables partitioned by delivery_file, a run overwriting the
    partitions of the rows it outputs (dynamic partition overwrite, no Delta); the model
    outputs every row of those partitions (union_rows_kept_in_rewritten_partitions). -#}
{% macro spark__delivery_incremental_config() -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        file_format='parquet',
        partition_by=['delivery_file'],
        on_schema_change='fail'
    ) }}
{%- endmacro %}

{#-
  Spark (D84): on incremental runs, `union all` the model's stored rows that a
  delete+insert on id_key would keep in the delivery files (partitions) the run writes,
  so that an insert_overwrite of those partitions keeps them. The run writes the files
  of the raw rows it stages (`relation`) and of the stored rows of their ids (which it
  re-judges), and outputs those ids: the stored rows of those files with any other id
  are kept. Read from `relation`, not from the model's output, whose plan Spark would
  repeat (it inlines every CTE where it is used). Nothing on other engines
  (delete+insert) and on full builds.
-#}
{% macro union_rows_kept_in_rewritten_partitions(relation, id_column, stored_columns) -%}
    {{ return(adapter.dispatch('union_rows_kept_in_rewritten_partitions', 'service_analytics')(relation, id_column, stored_columns)) }}
{%- endmacro %}

{% macro default__union_rows_kept_in_rewritten_partitions(relation, id_column, stored_columns) -%}
{%- endmacro %}

{% macro spark__union_rows_kept_in_rewritten_partitions(relation, id_column, stored_columns) -%}
    {%- if is_incremental_run() -%}
    union all
    select
        {%- for column in stored_columns %}
        kept_rows.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as kept_rows
    where kept_rows.delivery_file in (
            select staged_rows.delivery_file from {{ relation }} as staged_rows
            union
            select rejudged_rows.delivery_file
            from {{ this }} as rejudged_rows
            where rejudged_rows.id_key in (
                select {{ id_key(clean_text('staged_ids.' ~ id_column)) }} from {{ relation }} as staged_ids
            )
        )
        and not exists (
            select 1
            from {{ relation }} as staged_ids
            where {{ id_key(clean_text('staged_ids.' ~ id_column)) }} = kept_rows.id_key
        )
    {%- endif -%}
{%- endmacro %}

{#- The raw rows a run stages: on incremental runs, the rows of delivery files not yet in
    the model's own table, every row of the single-file form (read whole every run, D49),
    and every row of an id quarantined as future_timestamp (it may be due by now, as on
    a full build; matched on the raw id, so an untidy id waits for a full refresh);
    every row on full builds. A file in the table is never staged twice, so a run that
    failed half way is simply run again. -#}
{% macro is_unstaged_delivery(table, id_column) -%}
    {#- Spark: a NOT IN of a nullable column under an OR is a nested loop over every raw
        row and staged file; of a non-null one, a hash join (D84) -#}
    {%- set file = "coalesce(delivery_file, '')" if target.type == 'spark' else 'delivery_file' -%}
    {%- if is_incremental_run() -%}
    (delivery_file in ('{{ raw_file_forms(table) | join("', '") }}')
        or {{ file }} not in (
            select distinct staged_rows.delivery_file from {{ this }} as staged_rows where staged_rows.delivery_file is not null
        )
        or {{ id_column }} in (
            select future_rows.id_key from {{ this }} as future_rows where future_rows.quarantine_reason = 'future_timestamp'
        ))
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The start of this run: when a base row was (re)staged. -#}
{% macro staged_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endmacro %}

{#-
  S9 across deliveries: the CTEs ending in `collapsed`, one row per distinct raw row and
  delivery file of `relation`, with raw_rows (the raw rows of that file it stands for),
  id_key, raw_record (the row as JSON, kept so that a later run can re-judge it without
  re-reading its file), id_versions (its id's distinct versions across every delivery,
  those already stored included) and is_first_delivery (copies in later files collapse).
  Only the ids with more than one copy (raw rows staged now, or a stored row in another
  file) are grouped and counted (D87): a row whose id occurs once is its own distinct
  row, the first of its id's one version, whatever its other columns hold. The first CTE,
  `delivered_rows`, is every raw row staged with its id_key (the files and ids of a run).
  `stored_columns`: the model's output columns, for stored_rows_rejudged.
-#}
{% macro collapse_delivered_copies(relation, columns, id_column, stored_columns) -%}
delivered_rows as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        delivery_file,
        {{ id_key(clean_text(id_column)) }} as id_key
    from {{ relation }}
),

{%- if is_incremental_run() %}

stored_rows as (
    select
        {%- for column in stored_columns %}
        stored.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as stored
    where stored.id_key in (select delivered_rows.id_key from delivered_rows)
        and not exists (
            select 1
            from delivered_rows
            where delivered_rows.id_key = stored.id_key and delivered_rows.delivery_file = stored.delivery_file
        )
),
{%- endif %}

repeated_ids as (
    select id_key
    from delivered_rows
    group by id_key
    having count(*) > 1
    {%- if is_incremental_run() %}
    union
    select id_key from stored_rows
    {%- endif %}
),

single_rows as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        delivery_file,
        1 as raw_rows,
        id_key,
        {{ raw_record_json(columns) }} as raw_record
    {#- NOT EXISTS, an anti-join on every engine: PostgreSQL runs a NOT IN whose list
        outgrows work_mem once per row #}
    from delivered_rows
    where not exists (select 1 from repeated_ids where repeated_ids.id_key = delivered_rows.id_key)
),

repeated_rows as (
    select
        {%- for column in columns %}
        {{ column }},
        {%- endfor %}
        delivery_file,
        count(*) as raw_rows,
        id_key,
        {{ raw_record_json(columns) }} as raw_record
    from delivered_rows
    where id_key in (select repeated_ids.id_key from repeated_ids)
    group by {{ columns | join(', ') }}, delivery_file, id_key
),

all_copies as (
    select
        id_key,
        raw_record,
        delivery_file
    from repeated_rows
    {%- if is_incremental_run() %}
    union all
    select
        id_key,
        raw_record,
        delivery_file
    from stored_rows
    {%- endif %}
),

repeated_versions as (
    select
        id_key,
        raw_record,
        min(delivery_file) as first_delivery_file
    from all_copies
    group by id_key, raw_record
),

version_counts as (
    select
        id_key,
        count(*) as id_versions
    from repeated_versions
    group by id_key
),

collapsed as (
    select
        single_rows.*,
        1 as id_versions,
        true as is_first_delivery
    from single_rows
    union all
    select
        repeated_rows.*,
        version_counts.id_versions,
        coalesce(repeated_rows.delivery_file = repeated_versions.first_delivery_file, true) as is_first_delivery
    from repeated_rows
    inner join repeated_versions
        on repeated_rows.id_key = repeated_versions.id_key and repeated_rows.raw_record = repeated_versions.raw_record
    inner join version_counts on repeated_rows.id_key = version_counts.id_key
)
{%- endmacro %}

{#-
  On incremental runs, `union all` the model's stored rows of the ids staged (CTE
  stored_rows of collapse_delivered_copies) as a full build would judge them now: a new
  version of the id makes them conflicting duplicates (S9: the checks before that one,
  malformed_line and missing_field, hold whatever came later), and a copy in an earlier
  file makes them collapsed. Nothing on full builds.
-#}
{% macro union_stored_rows_rejudged(stored_columns) -%}
    {%- if is_incremental_run() -%}
    {%- set rejudged = {
        'collapsed_rows': "stored_rows.raw_rows - case when coalesce(stored_rows.delivery_file = repeated_versions.first_delivery_file, true) then 1 else 0 end",
        'quarantine_reason': "case when stored_rows.quarantine_reason in ('malformed_line', 'missing_field') then stored_rows.quarantine_reason when coalesce(version_counts.id_versions, 1) > 1 then 'conflicting_duplicate' else stored_rows.quarantine_reason end",
        'quarantine_detail': "case when stored_rows.quarantine_reason in ('malformed_line', 'missing_field') then stored_rows.quarantine_detail when coalesce(version_counts.id_versions, 1) > 1 then cast(version_counts.id_versions as " ~ dbt.type_string() ~ ") || ' versions' else stored_rows.quarantine_detail end",
        'is_first_delivery': "coalesce(stored_rows.delivery_file = repeated_versions.first_delivery_file, true)",
        'staged_at': staged_at(),
    } -%}
    union all
    select
        {%- for column in stored_columns %}
        {{ rejudged.get(column, 'stored_rows.' ~ column) }} as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from stored_rows
    left join repeated_versions
        on stored_rows.id_key = repeated_versions.id_key and stored_rows.raw_record = repeated_versions.raw_record
    left join version_counts on stored_rows.id_key = version_counts.id_key
    {%- endif -%}
{%- endmacro %}

{#- When the model being built was last built (a run's start, from meta.model_builds),
    or 1900-01-01 if it never was: every row staged since then is new to it (D50). -#}
{% macro model_last_built_at() -%}
    (
        select coalesce(max(built_at), cast('1900-01-01' as timestamp))
        from {{ lineage_relation('model_builds') }}
        where model_name = '{{ this.identifier }}'
    )
{%- endmacro %}

{#- The raw tables staged by delivery, with their base model (D49). -#}
{% macro delivered_tables() %}
    {% set tables = [] %}
    {% for table in checked_tables() if table.delivered %}{% do tables.append(table) %}{% endfor %}
    {{ return(tables) }}
{% endmacro %}

{#-
  on-run-start, after register_raw_export: the meta tables of deliveries, and the stop
  when a delivery file already built on changed (size, modification time or fingerprint)
  or vanished (D51). Only the ledger's files are looked at, never re-read whole. Tests,
  compile and docs are never stopped (D39); a --full-refresh rebuilds the ledger. On
  Spark only the tables of meta.model_builds and meta.session_day_changes (D82).
-#}
{% macro check_raw_deliveries() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% if target.type == 'spark' %}
        {#- one statement a call on Spark -#}
        {% do lineage_execute("create schema if not exists " ~ lineage_relation('model_builds').without_identifier().include(database=false)) %}
        {% do lineage_execute("create table if not exists " ~ lineage_relation('model_builds') ~ " (model_name string, built_at timestamp) using parquet") %}
        {% do lineage_execute("create table if not exists " ~ lineage_relation('session_day_changes') ~ " (shop_id string, date_day date, changed_at timestamp) using parquet") %}
        {{ return('') }}
    {% endif %}
    {% do lineage_execute(
        "create schema if not exists " ~ lineage_relation('raw_deliveries').without_identifier().include(database=(target.type == 'duckdb')) ~ ";\n"
        ~ "create table if not exists " ~ lineage_relation('model_builds') ~ " (model_name " ~ dbt.type_string() ~ ", built_at timestamp);\n"
        ~ "create table if not exists " ~ lineage_relation('session_day_changes') ~ " (shop_id " ~ dbt.type_string() ~ ", date_day date, changed_at timestamp);\n"
        ~ "create table if not exists " ~ lineage_relation('raw_deliveries') ~ " (source_table " ~ dbt.type_string()
        ~ ", delivery_file " ~ dbt.type_string() ~ ", file_size bigint, modified_at " ~ dbt.type_string() ~ ", fingerprint " ~ dbt.type_string()
        ~ ", rows_read bigint, clean_rows bigint, quarantined_rows bigint, collapsed_rows bigint, staged_at timestamp, fingerprint_rule integer);\n"
        ~ "alter table " ~ lineage_relation('raw_deliveries') ~ " add column if not exists fingerprint_rule integer") %}
    {% if target.type != 'duckdb' or flags.FULL_REFRESH or not lineage_applies() %}{{ return('') }}{% endif %}
    {% set problems = [] %}
    {% set ledger = run_query("select source_table, delivery_file, file_size, modified_at, fingerprint, "
        ~ "coalesce(fingerprint_rule = delivery_fingerprint_rule(), false) from "
        ~ lineage_relation('raw_deliveries') ~ " where file_size is not null order by source_table, delivery_file") %}
    {#- two queries whatever the number of files: their sizes and times per table folder
        (no file is read), then the fingerprints of the ledger's files still there -#}
    {% set folders = [] %}
    {% for table in ledger.columns[0].values() | unique %}
        {% do folders.append("select '" ~ table ~ "' as source_table, parse_filename(filename) as delivery_file, size, "
            ~ "cast(last_modified as varchar) as modified_at from read_blob('" ~ absolute_raw_data_dir() | replace("'", "''")
            ~ "/" ~ table ~ "/*')") %}
    {% endfor %}
    {% set present = {} %}
    {% if folders %}
        {% for row in run_query(folders | join(' union all ')).rows %}
            {% do present.update({row[0] ~ '/' ~ row[1]: row}) %}
        {% endfor %}
    {% endif %}
    {% set fingerprints = [] %}
    {% for row in ledger.rows if (row[0] ~ '/' ~ row[1]) in present %}
        {% do fingerprints.append("select '" ~ row[0] ~ "/" ~ row[1] | replace("'", "''") ~ "' as file_key, ("
            ~ delivery_fingerprint_sql(absolute_raw_data_dir() ~ '/' ~ row[0] ~ '/' ~ row[1]) ~ ") as fingerprint") %}
    {% endfor %}
    {% set now_fingerprints = {} %}
    {% if fingerprints %}
        {% for row in run_query(fingerprints | join(' union all ')).rows %}
            {% do now_fingerprints.update({row[0]: row[1]}) %}
        {% endfor %}
    {% endif %}
    {#- D93: a row of the rule before (fingerprint_rule null) is compared on size and time
        only, and gets the fingerprint of this rule when they match -#}
    {% set upgrades = [] %}
    {% for row in ledger.rows %}
        {% set key = row[0] ~ '/' ~ row[1] %}
        {% set path = absolute_raw_data_dir() ~ '/' ~ key %}
        {% if key not in present %}
            {% do problems.append(path ~ " has vanished") %}
        {% else %}
            {% set now = {'size': present[key][2], 'modified': present[key][3], 'fingerprint': now_fingerprints[key] if row[5] else row[4]} %}
            {% if not row[5] and now.size == row[2] and now.modified == row[3] %}
                {% do upgrades.append("update " ~ lineage_relation('raw_deliveries') ~ " set fingerprint = '" ~ now_fingerprints[key]
                    ~ "', fingerprint_rule = delivery_fingerprint_rule() where source_table = '" ~ row[0] ~ "' and delivery_file = '"
                    ~ row[1] | replace("'", "''") ~ "'") %}
            {% endif %}
            {% if now.size != row[2] or now.modified != row[3] or now.fingerprint != row[4] %}
                {% do problems.append(path ~ " has changed (" ~ (("size " ~ row[2] ~ " then, " ~ now.size ~ " now") if now.size != row[2]
                    else ("modified " ~ row[3] ~ " then, " ~ now.modified ~ " now") if now.modified != row[3] else "other first or last bytes") ~ ")") %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% if problems %}
        {{ exceptions.raise_compiler_error(
            "A delivery file this warehouse was built on changed or vanished, so its rows in the warehouse are no longer those of the export:\n  - "
            ~ problems[:5] | join("\n  - ") ~ ("\n  - ... and " ~ (problems | length - 5) ~ " more" if problems | length > 5 else "")
            ~ "\nNothing was built. A delivery, once built on, must stay as it was: put it back, or deliver the correction as a new file "
            ~ "(a later version of a row quarantines both as a conflict, S9). To rebuild every model from the export as it is now, run:\n  "
            ~ full_refresh_command()) }}
    {% endif %}
    {% if upgrades %}{% do lineage_execute(upgrades | join(';\n')) %}{% endif %}
    {{ return('') }}
{% endmacro %}

{#- Size, modification time and a fingerprint of one delivery file, without reading it
    whole (none when it is gone). -#}
{% macro delivery_file_stats(path) %}
    {% set quoted = path | replace("'", "''") %}
    {% if run_query("select count(*) from glob('" ~ quoted ~ "')").columns[0].values()[0] == 0 %}{{ return(none) }}{% endif %}
    {% set found = run_query("select size, cast(last_modified as varchar), (" ~ delivery_fingerprint_sql(path) ~ ") from read_blob('" ~ quoted ~ "')") %}
    {{ return({'size': found.rows[0][0], 'modified': found.rows[0][1], 'fingerprint': found.rows[0][2]}) }}
{% endmacro %}

{#- A query of a delivery file's fingerprint, read without reading the file whole: the
    sha256 of its first and last 64 KiB, the one rule of both ledgers (D93), computed by
    the UDF delivery_fingerprint (service_analytics/dbt_plugin.py). -#}
{% macro delivery_fingerprint_sql(path) %}
    {{ return("select delivery_fingerprint('" ~ path | replace("'", "''") ~ "')") }}
{% endmacro %}

{#-
  on-run-end: the ledger meta.raw_deliveries, one row per delivery file staged: the file
  (size, modification time, fingerprint: DuckDB, folder form only), and its rows read,
  clean, quarantined and collapsed as the base model holds them now (a later conflicting
  version moves a row from clean to quarantined); and meta.model_builds, when each
  model was last built (on Spark only this, appended: D82).
-#}
{% macro record_raw_deliveries() %}
    {% if not execute or not lineage_applies() %}{{ return('') }}{% endif %}
    {% set statements = [] %}
    {% set built = [] %}
    {% for result in results if result.status == 'success' and result.node.resource_type == 'model' %}
        {% do statements.append("delete from " ~ lineage_relation('model_builds') ~ " where model_name = '" ~ result.node.alias ~ "'") %}
        {% do statements.append("insert into " ~ lineage_relation('model_builds') ~ " (model_name, built_at) values ('"
            ~ result.node.alias ~ "', " ~ staged_at() ~ ")") %}
        {% do built.append("('" ~ result.node.alias ~ "', " ~ staged_at() ~ ")") %}
    {% endfor %}
    {#- Spark (D82): Parquet tables take no delete; model_last_built_at reads the latest -#}
    {% if target.type == 'spark' %}
        {% if built %}
            {% do lineage_execute("insert into " ~ lineage_relation('model_builds') ~ " (model_name, built_at) values " ~ built | join(', ')) %}
        {% endif %}
        {{ return('') }}
    {% endif %}
    {% if flags.FULL_REFRESH %}
        {% do statements.append("delete from " ~ lineage_relation('raw_deliveries')) %}
        {% do statements.append("delete from " ~ lineage_relation('session_day_changes') ~ " where changed_at < " ~ staged_at()) %}
    {% endif %}
    {% if statements %}{% do lineage_execute(statements | join(';\n')) %}{% endif %}
    {% set counts = [] %}
    {% for table in delivered_tables() %}
        {% set node = graph.nodes.get('model.service_analytics.' ~ table.model) %}
        {% set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) if node else none %}
        {% if relation is not none %}
            {% do counts.append("select '" ~ table.table ~ "' as source_table, delivery_file, "
                ~ sum_as_bigint('raw_rows') ~ " as rows_read, "
                ~ "count(case when is_first_delivery and quarantine_reason is null then 1 end) as clean_rows, "
                ~ "count(case when is_first_delivery and quarantine_reason is not null then 1 end) as quarantined_rows, "
                ~ sum_as_bigint('collapsed_rows') ~ " as collapsed_rows, max(staged_at) as staged_at from " ~ relation
                ~ " group by delivery_file") %}
        {% endif %}
    {% endfor %}
    {% if not counts %}{{ return('') }}{% endif %}
    {% set ledger = lineage_relation('raw_deliveries') %}
    {% set known = [] %}
    {% for row in run_query("select source_table || '/' || delivery_file from " ~ ledger).rows %}{% do known.append(row[0]) %}{% endfor %}
    {% set statements = ["create temporary table raw_delivery_counts as " ~ counts | join(' union all ')] %}
    {% do lineage_execute(statements | join(';\n')) %}
    {% set statements = [] %}
    {% for row in run_query("select source_table, delivery_file from raw_delivery_counts order by 1, 2").rows %}
        {% if (row[0] ~ '/' ~ row[1]) not in known %}
            {% set stats = delivery_file_stats(absolute_raw_data_dir() ~ '/' ~ row[0] ~ '/' ~ row[1])
                if target.type == 'duckdb' and row[1] not in raw_file_forms(row[0]) else none %}
            {% do statements.append("insert into " ~ ledger ~ " (source_table, delivery_file, file_size, modified_at, fingerprint, fingerprint_rule) values ('"
                ~ row[0] ~ "', '" ~ row[1] | replace("'", "''") ~ "', "
                ~ (stats.size if stats else 'null') ~ ", " ~ ("'" ~ stats.modified ~ "'" if stats else 'null') ~ ", "
                ~ ("'" ~ stats.fingerprint ~ "', delivery_fingerprint_rule()" if stats else 'null, null') ~ ")") %}
        {% endif %}
    {% endfor %}
    {% do statements.append("update " ~ ledger ~ " set rows_read = counts.rows_read, clean_rows = counts.clean_rows, "
        ~ "quarantined_rows = counts.quarantined_rows, collapsed_rows = counts.collapsed_rows, staged_at = counts.staged_at "
        ~ "from raw_delivery_counts as counts where " ~ ledger.identifier ~ ".source_table = counts.source_table and "
        ~ ledger.identifier ~ ".delivery_file = counts.delivery_file") %}
    {% do statements.append("drop table raw_delivery_counts") %}
    {% do lineage_execute(statements | join(';\n')) %}
    {{ return('') }}
{% endmacro %}

{#- The CTE `rows_staged`: the rows of `relation`, each keeping the staged_at of its
    stored row when a run read it again unchanged (the single-file form is re-read whole
    every run) or re-judged it to the same result, so that staged_at moves only for rows
    new or changed, and a run recomputes only their pairs (D50). -#}
{% macro keep_staged_at_of_unchanged_rows(relation, stored_columns) -%}
rows_staged as (
    select
        {%- for column in stored_columns if column != 'staged_at' %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        {%- if is_incremental_run() %}
        case
            when prior.id_key is not null
                and {{ relation }}.is_first_delivery = prior.is_first_delivery
                and {{ relation }}.collapsed_rows = prior.collapsed_rows
                and coalesce({{ relation }}.quarantine_reason, '') = coalesce(prior.quarantine_reason, '')
                and coalesce({{ relation }}.quarantine_detail, '') = coalesce(prior.quarantine_detail, '')
                then prior.staged_at
            else {{ relation }}.staged_at
        end as staged_at
    from {{ relation }}
    left join {{ this }} as prior
        on {{ relation }}.id_key = prior.id_key
            and {{ relation }}.delivery_file = prior.delivery_file
            and {{ relation }}.raw_record = prior.raw_record
        {%- else %}
        {{ relation }}.staged_at
    from {{ relation }}
        {%- endif %}
)
{%- endmacro %}

{#- The delivery files of `table` that an earlier run checked and staged (in the ledger)
    and that have the same size and modification time now: registration reads only
    their header, not their lines again (their malformed lines are kept in their own
    table). Any other file gets every check. -#}
{% macro unchanged_delivery_files(table, raw_dir) %}
    {% if not lineage_table_exists('raw_deliveries') %}{{ return([]) }}{% endif %}
    {% set quoted_dir = raw_dir | replace("'", "''") %}
    {% set found = run_query(
        "select ledger.delivery_file from " ~ lineage_relation('raw_deliveries') ~ " as ledger "
        ~ "inner join read_blob('" ~ quoted_dir ~ "/" ~ table ~ "/*') as files "
        ~ "on ledger.delivery_file = parse_filename(files.filename) and ledger.file_size = files.size "
        ~ "and ledger.modified_at = cast(files.last_modified as varchar) "
        ~ "inner join information_schema.tables as kept on kept.table_catalog = '" ~ target.database ~ "' "
        ~ "and kept.table_schema = 'raw' and kept.table_name = '" ~ table ~ "__malformed_lines/' || ledger.delivery_file "
        ~ "where ledger.source_table = '" ~ table ~ "'") %}
    {{ return(found.columns[0].values() | list) }}
{% endmacro %}
