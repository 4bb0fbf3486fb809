{#-
  Makes the six raw tables of an export folder readable as the `raw` schema, so that
  staging reads `source('chat', ...)` the same way on every engine (on server engines
  the `raw` schema is loaded by `service-analytics load`).

  On DuckDB this runs at the start of every dbt invocation (on-run-start) and, for each
  source table, finds `<raw_data_dir>/<table>.csv` or `.parquet`, checks that every
  required column of the contract (var raw_contract) is there,
  and creates a view that reads every column as text. Columns may come in any order;
  extra columns are ignored; a missing optional column reads as null.
  Problems that stop the build are raised here, before any model runs, with the file,
  the column and what to do.
-#}
{% macro register_raw_export() %}
    {{ return(adapter.dispatch('register_raw_export', 'service_analytics')()) }}
{% endmacro %}

{% macro default__register_raw_export() %}
    {# server engines: the raw schema is loaded by `service-analytics load`; stop before
       any model runs when a table of it is missing, and say how to load it. #}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set missing = [] %}
    {% for table in var('raw_contract') %}
        {% set relation = adapter.get_relation(
            database=(none if target.type == 'spark' else target.database), schema='raw', identifier=table) %}
        {% if relation is none %}{% do missing.append('raw.' ~ table) %}{% endif %}
    {% endfor %}
    {% if missing %}
        {{ exceptions.raise_compiler_error(
            missing | join(', ') ~ " not found on the " ~ target.name ~ " target. Load the export first: "
            ~ "service-analytics load --target " ~ target.type ~ " DIR (docs: README, Other engines).") }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{% macro duckdb__register_raw_export() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set raw_dir = var('raw_data_dir') | string %}
    {% set raw_dir = raw_dir.rstrip('/') %}
    {% if raw_dir | length == 0 %}
        {{ exceptions.raise_compiler_error("raw_data_dir is empty: set it to the folder of your export, e.g. --vars '{raw_data_dir: /path/to/export}'") }}
    {% endif %}
    {% set quoted_dir = raw_dir | replace("'", "''") %}
    {% set dir_probe = run_query("select count(*) from glob('" ~ quoted_dir ~ "/*')") %}
    {% if dir_probe.columns[0].values()[0] == 0 %}
        {{ exceptions.raise_compiler_error("raw_data_dir '" ~ raw_dir ~ "' is not a folder with files in it (paths are relative to the project root). Point it at the folder of your export: dbt build --vars '{raw_data_dir: /path/to/export}'") }}
    {% endif %}
    {% do run_query("create schema if not exists " ~ target.database ~ ".raw") %}
    {% for table in var('raw_contract') %}
        {% set found = run_query(
            "select file from glob('" ~ quoted_dir ~ "/" ~ table ~ ".csv') union all "
            ~ "select file from glob('" ~ quoted_dir ~ "/" ~ table ~ ".parquet') order by file"
        ).columns[0].values() %}
        {% if found | length == 0 %}
            {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' is missing: expected " ~ raw_dir ~ "/" ~ table ~ ".csv or " ~ raw_dir ~ "/" ~ table ~ ".parquet. Every export must hold all six tables of the raw contract (docs: shared/spec/raw-contract.md); a table with no rows is a file with just the header row.") }}
        {% endif %}
        {% set file = found[0] %}
        {% set quoted_file = file | replace("'", "''") %}
        {% if file.endswith('.parquet') %}
            {% set reader = "read_parquet('" ~ quoted_file ~ "')" %}
        {% else %}
            {% set reader = csv_reader(file, table) %}
        {% endif %}
        {% set described = run_query("describe select * from " ~ reader) %}
        {% set present = {} %}
        {% for name in described.columns[0].values() %}
            {% do present.update({name | trim | lower: name}) %}
        {% endfor %}
        {% set select_list = [] %}
        {% set required = contract_columns(table, required_only=true) %}
        {% for wanted in contract_columns(table) %}
            {% if wanted in present %}
                {% do select_list.append('cast("' ~ present[wanted] | replace('"', '""') ~ '" as varchar) as ' ~ wanted) %}
            {% elif wanted in required %}
                {{ exceptions.raise_compiler_error("column '" ~ wanted ~ "' is missing from " ~ file ~ " (it has: " ~ (present.keys() | list | join(', ')) ~ "). It is required by the raw contract; add it to the export, with empty values if unknown.") }}
            {% else %}
                {% do select_list.append('cast(null as varchar) as ' ~ wanted) %}
            {% endif %}
        {% endfor %}
        {% set view_sql = "select " ~ select_list | join(', ') ~ ", cast(null as varchar) as malformed_line from " ~ reader %}
        {% if not file.endswith('.parquet') and var('validate_raw_csv', true) %}
            {# the lines the strict read rejected come back as rows of their own, so
               staging quarantines them (reason malformed_line) and nothing is lost #}
            {% set null_columns = [] %}
            {% for wanted in contract_columns(table) %}
                {% do null_columns.append('cast(null as varchar) as ' ~ wanted) %}
            {% endfor %}
            {% set view_sql = view_sql ~ " union all select " ~ null_columns | join(', ')
                ~ ", csv_line as malformed_line from " ~ target.database ~ ".raw." ~ table ~ "__malformed_lines" %}
        {% endif %}
        {% do run_query("create or replace view " ~ target.database ~ ".raw." ~ table ~ " as " ~ view_sql) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{#-
  read_csv over one export file with the header's own column names, every column text,
  and no dialect sniffing (a malformed line must not hide the header). Stops with a
  clear message for an empty file. When var validate_raw_csv is on (the default), reads
  every line once at the start of the run and keeps the malformed ones (unbalanced
  quote, more fields than the header) with their line number and text, so staging
  quarantines them (S9, reason malformed_line); when off, a malformed line stops the
  model that reads it with DuckDB's message instead of being skipped.
-#}
{% macro csv_reader(file, table) %}
    {% set quoted_file = file | replace("'", "''") %}
    {% set dialect = var('raw_csv_dialect') %}
    {% set header_rows = run_query(
        "select line from read_csv('" ~ quoted_file ~ "', header = false, auto_detect = false, "
        ~ "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', encoding = 'utf-8') limit 1"
    ).columns[0].values() %}
    {% if header_rows | length == 0 or (header_rows[0] or '') | trim == '' %}
        {{ exceptions.raise_compiler_error(file ~ " is empty: it needs at least the header row (" ~ contract_columns(table) | join(',') ~ "). A table with no rows is a file with just that line.") }}
    {% endif %}
    {% set columns = [] %}
    {% for name in header_rows[0].replace('\ufeff', '').split(',') %}
        {% do columns.append("'" ~ name | trim | trim('"') | replace("'", "''") ~ "': 'VARCHAR'") %}
    {% endfor %}
    {% set reader = "read_csv('" ~ quoted_file ~ "', header = true, auto_detect = false, columns = {"
        ~ columns | join(', ') ~ "}, " ~ dialect ~ ", strict_mode = true" %}
    {% if var('validate_raw_csv', true) %}
        {# one read of every line that keeps the malformed ones (unbalanced quote, more
           fields than the header) in raw.<table>__malformed_lines with their line number
           and text; the view below skips exactly those lines and adds them back as rows #}
        {% set rejects = table ~ "__rejects" %}
        {% do run_query("drop table if exists " ~ rejects ~ "; drop table if exists " ~ rejects ~ "_scan") %}
        {% do run_query("select count(*) from " ~ reader ~ ", ignore_errors = true, store_rejects = true, "
            ~ "rejects_table = '" ~ rejects ~ "', rejects_scan = '" ~ rejects ~ "_scan')") %}
        {% do run_query(
            "create or replace table " ~ target.database ~ ".raw." ~ table ~ "__malformed_lines as "
            ~ "select line as line_number, min(error_type) as error_type, min(error_message) as error_message, "
            ~ "'line ' || line || ': ' || any_value(csv_line) as csv_line from " ~ rejects
            ~ " group by line order by line; drop table " ~ rejects ~ "; drop table " ~ rejects ~ "_scan"
        ) %}
        {{ return(reader ~ ", ignore_errors = true)") }}
    {% endif %}
    {{ return(reader ~ ")") }}
{% endmacro %}
