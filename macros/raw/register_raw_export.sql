{#-
  Makes the six raw tables of an export folder readable as the `raw` schema, so that
  staging reads `source('chat', ...)` the same way on every engine (on server engines
  the `raw` schema is loaded by `service-analytics load`).

  On DuckDB this runs at the start of every dbt invocation (on-run-start) and, for each
  source table, finds `<raw_data_dir>/<table>.csv`, `.csv.gz` or `.parquet` (exactly one
  of them), checks that every required column of the contract (var raw_contract) is there,
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
    {% set encoding = raw_csv_encoding() %}
    {% do run_query("create schema if not exists " ~ target.database ~ ".raw") %}
    {% for table in var('raw_contract') %}
        {% set forms = raw_file_forms(table) %}
        {% set found = run_query(
            "select file from glob('" ~ quoted_dir ~ "/" ~ forms[0] ~ "') union all "
            ~ "select file from glob('" ~ quoted_dir ~ "/" ~ forms[1] ~ "') union all "
            ~ "select file from glob('" ~ quoted_dir ~ "/" ~ forms[2] ~ "') order by file"
        ).columns[0].values() %}
        {% if found | length == 0 %}
            {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' is missing: expected " ~ raw_dir ~ "/" ~ forms | join(', ' ~ raw_dir ~ '/') ~ " (one of them). Every export must hold all six tables of the raw contract (docs: shared/spec/raw-contract.md); a table with no rows is a file with just the header row.") }}
        {% endif %}
        {% if found | length > 1 %}
            {# D33: two forms of one table may be two different deliveries; reading either
               silently could build on the stale one #}
            {{ exceptions.raise_compiler_error("raw table '" ~ table ~ "' has " ~ found | length ~ " files: " ~ found | join(', ') ~ ". Keep exactly one of them in the export folder (move or delete the others), so the build cannot read a stale copy.") }}
        {% endif %}
        {% set file = found[0] %}
        {% set quoted_file = file | replace("'", "''") %}
        {% if file.endswith('.parquet') %}
            {% set reader = "read_parquet('" ~ quoted_file ~ "')" %}
        {% else %}
            {% set reader = csv_reader(file, table, encoding) %}
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
                {% set hint = '' %}
                {% if not file.endswith('.parquet') and (present.keys() | list | select('in', contract_columns(table)) | list | length) == 0 %}
                    {% set hint = " No column of the contract is there: if the names above look garbled, the file is not " ~ encoding ~ " text; set var raw_csv_encoding to its encoding (utf-8, utf-16 or latin-1) or convert it to UTF-8 (docs/bad-input.md)." %}
                {% endif %}
                {{ exceptions.raise_compiler_error("column '" ~ wanted ~ "' is missing from " ~ file ~ " (it has: " ~ (present.keys() | list | join(', ')) ~ "). It is required by the raw contract; add it to the export, with empty values if unknown." ~ hint) }}
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

{#- The file names a raw table may have in an export folder, in the order they are named. -#}
{% macro raw_file_forms(table) %}
    {{ return([table ~ '.csv', table ~ '.csv.gz', table ~ '.parquet']) }}
{% endmacro %}

{#-
  The text encoding of the CSV files (var raw_csv_encoding), in the spelling DuckDB's
  reader takes. Without extensions (which these machines cannot download) DuckDB reads
  exactly utf-8, utf-16 and latin-1; any other encoding stops the run before a file is
  read, with the conversion to run (D34).
-#}
{% macro raw_csv_encoding() %}
    {% set wanted = var('raw_csv_encoding', 'utf-8') | string | trim | lower %}
    {% if wanted not in ['utf-8', 'utf-16', 'latin-1'] %}
        {{ exceptions.raise_compiler_error("raw_csv_encoding '" ~ wanted ~ "' cannot be read here: the warehouse reads CSV files in utf-8, utf-16 or latin-1 (spelled so). For another encoding, convert the export to UTF-8 first, e.g. `service-analytics convert --from " ~ wanted ~ " DIR NEW_DIR` (or per file: iconv -f " ~ wanted | upper ~ " -t UTF-8 FILE > NEW_FILE), then build NEW_DIR with the default raw_csv_encoding (utf-8).") }}
    {% endif %}
    {{ return(wanted) }}
{% endmacro %}

{#-
  read_csv over one export file with the header's own column names, every column text,
  and no dialect sniffing (a malformed line must not hide the header). Stops with a
  clear message for an empty file. When var validate_raw_csv is on (the default), reads
  every line once at the start of the run: a file that is not valid text in the
  encoding stops the run, naming the line and the conversion to run (D34), and the
  malformed lines (unbalanced quote, more fields than the header) are kept with their
  line number and text, so staging quarantines them (S9, reason malformed_line); when
  off, either stops the model that reads it with DuckDB's message instead of being skipped.
-#}
{% macro csv_reader(file, table, encoding='utf-8') %}
    {% set quoted_file = file | replace("'", "''") %}
    {% set dialect = var('raw_csv_dialect') ~ ", encoding = '" ~ encoding ~ "'" %}
    {# every physical line as one text value: only bytes that are not valid text in the
       encoding can be rejected here, so the header probe below cannot fail on them #}
    {% set lines = "read_csv('" ~ quoted_file ~ "', header = false, auto_detect = false, "
        ~ "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', encoding = '"
        ~ encoding ~ "', strict_mode = false" %}
    {% if var('validate_raw_csv', true) %}
        {% set undecodable = table ~ "__undecodable" %}
        {% do run_query("drop table if exists " ~ undecodable ~ "; drop table if exists " ~ undecodable ~ "_scan") %}
        {% do run_query("select count(line) from " ~ lines ~ ", ignore_errors = true, store_rejects = true, "
            ~ "rejects_table = '" ~ undecodable ~ "', rejects_scan = '" ~ undecodable ~ "_scan')") %}
        {% set first_bad = run_query(
            "select line, byte_position from " ~ undecodable ~ " where error_type = 'INVALID ENCODING' order by line limit 1"
        ) %}
        {% do run_query("drop table " ~ undecodable ~ "; drop table " ~ undecodable ~ "_scan") %}
        {% if first_bad.rows | length > 0 %}
            {{ exceptions.raise_compiler_error(undecodable_file_message(file, encoding, first_bad.rows[0][0], first_bad.rows[0][1])) }}
        {% endif %}
    {% endif %}
    {# the header is the file's first line by construction: one thread reads the file
       from its start (parallel = false), so the first row out is line 1 whatever
       preserve_insertion_order says; not strict, so a line feed inside a quoted field
       of a CRLF file cannot stop this line-by-line read #}
    {% set header_rows = run_query("select line from " ~ lines ~ ", parallel = false) limit 1").columns[0].values() %}
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
        {# DuckDB starts the text of a rejected line of a CRLF file after the CR, so it
           begins with the LF: dropped, a line never starts with one #}
        {% do run_query(
            "create or replace table " ~ target.database ~ ".raw." ~ table ~ "__malformed_lines as "
            ~ "select line as line_number, min(error_type) as error_type, min(error_message) as error_message, "
            ~ "'line ' || line || ': ' || ltrim(any_value(csv_line), chr(10)) as csv_line from " ~ rejects
            ~ " group by line order by line; drop table " ~ rejects ~ "; drop table " ~ rejects ~ "_scan"
        ) %}
        {{ return(reader ~ ", ignore_errors = true)") }}
    {% endif %}
    {{ return(reader ~ ")") }}
{% endmacro %}

{#-
  The message for a file that is not valid text in the encoding: the first bad line and
  byte, and the conversion to run (D34). GBK/GB18030 is named because it is what
  Chinese-language spreadsheet tools write, and DuckDB reads it only through an
  extension these machines cannot download.
-#}
{% macro undecodable_file_message(file, encoding, line, byte_position) %}
    {% set target = file[:-3] if file.endswith('.gz') else file %}
    {% set iconv = ("gunzip -c '" ~ file ~ "' | iconv -f GB18030 -t UTF-8 > '" ~ target ~ ".utf8'") if file.endswith('.gz')
        else ("iconv -f GB18030 -t UTF-8 '" ~ file ~ "' > '" ~ file ~ ".utf8'") %}
    {{ return(file ~ " is not " ~ encoding ~ " text: line " ~ line ~ " (byte " ~ byte_position ~ ") has bytes that are not valid "
        ~ encoding ~ ". If the export is GBK/GB18030 (Chinese-language spreadsheet tools write it), convert it to UTF-8 first: "
        ~ "`service-analytics convert --from gb18030 DIR NEW_DIR` converts every file of the folder, or per file: " ~ iconv
        ~ " (then put the .utf8 file in place of the original). A Latin-1 or UTF-16 export reads as it is with "
        ~ "--vars '{raw_csv_encoding: latin-1}' (or utf-16).") }}
{% endmacro %}
