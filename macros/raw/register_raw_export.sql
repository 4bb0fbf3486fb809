{#-
  The export folder as the `raw` schema (views over its files on DuckDB; loaded by
  `service-analytics load` on server engines), so staging reads `source('chat', ...)`
  alike everywhere. It runs on-run-start, so that a missing file or column stops the
  build before any model, naming the file, the column and what to do.
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
    {% set dir_probe = run_query("select (select count(*) from glob('" ~ quoted_dir ~ "/*')) + (select count(*) from glob('" ~ quoted_dir ~ "/*/*'))") %}
    {% if dir_probe.columns[0].values()[0] == 0 %}
        {{ exceptions.raise_compiler_error("raw_data_dir '" ~ raw_dir ~ "' is not a folder with files in it (paths are relative to the project root). Point it at the folder of your export: dbt build --vars '{raw_data_dir: /path/to/export}'") }}
    {% endif %}
    {% set encoding = raw_csv_encoding() %}
    {% do run_query("create schema if not exists " ~ adapter.quote(target.database) ~ ".raw") %}
    {% for table in var('raw_contract') %}
        {% set delivered = raw_table_files(table, raw_dir) %}
        {% set unchanged = unchanged_delivery_files(table, raw_dir) if delivered.folder else [] %}
        {% set selects = [] %}
        {% for file in delivered.files %}
            {% do selects.append(raw_file_select(table, file, delivered.folder, encoding, file.split('/')[-1] in unchanged)) %}
        {% endfor %}
        {% if not selects %}
            {% do selects.append(empty_raw_select(table)) %}
        {% endif %}
        {% do run_query("create or replace view " ~ adapter.quote(target.database) ~ ".raw." ~ table ~ " as " ~ selects | join(' union all ')) %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}

{#-
  The select of one export file as the columns of the contract (text), malformed_line and
  delivery_file (its name inside the table's folder, or the file's name for the
  single-file form), after the checks of the file as a whole (`checked`: a delivery an
  earlier run checked, unchanged since, is not read again). The malformed lines of a
  delivery file are kept in a table of their own, named after the file.
-#}
{% macro raw_file_select(table, file, folder, encoding, checked=false) %}
    {% set quoted_file = file | replace("'", "''") %}
    {% set file_name = file.split('/')[-1] %}
    {% set delivery = "cast('" ~ file_name | replace("'", "''") ~ "' as varchar) as delivery_file" %}
    {% set malformed = api.Relation.create(database=target.database, schema='raw',
        identifier=(table ~ '__malformed_lines' ~ ('/' ~ file_name if folder else ''))) %}
    {% if file.endswith('.parquet') %}
        {% set reader = "read_parquet('" ~ quoted_file ~ "')" %}
    {% else %}
        {% set reader = csv_reader(file, table, encoding, malformed, checked) %}
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
                {% set hint = " No column of the contract is there: if the names above look garbled, the file is not " ~ encoding ~ " text; set var raw_csv_encoding to its encoding (" ~ var('raw_csv_encodings') | join(', ') ~ ") or convert it to UTF-8 (docs/bad-input.md)." %}
            {% endif %}
            {{ exceptions.raise_compiler_error("column '" ~ wanted ~ "' is missing from " ~ file ~ " (it has: " ~ (present.keys() | list | join(', ')) ~ "). It is required by the raw contract; add it to the export, with empty values if unknown." ~ hint) }}
        {% else %}
            {% do select_list.append('cast(null as varchar) as ' ~ wanted) %}
        {% endif %}
    {% endfor %}
    {% set file_sql = "select " ~ select_list | join(', ') ~ ", cast(null as varchar) as malformed_line, " ~ delivery ~ " from " ~ reader %}
    {% if not file.endswith('.parquet') and var('validate_raw_csv', true) %}
        {# the lines the strict read rejected come back as rows of their own, so
           staging quarantines them (reason malformed_line) and nothing is lost #}
        {% set null_columns = [] %}
        {% for wanted in contract_columns(table) %}
            {% do null_columns.append('cast(null as varchar) as ' ~ wanted) %}
        {% endfor %}
        {% set file_sql = file_sql ~ " union all select " ~ null_columns | join(', ')
            ~ ", csv_line as malformed_line, " ~ delivery ~ " from " ~ malformed %}
    {% endif %}
    {{ return(file_sql) }}
{% endmacro %}

{#- An optional raw table the export leaves out (var raw_optional_tables): its columns,
    malformed_line and delivery_file, all text, with no rows. -#}
{% macro empty_raw_select(table) %}
    {% set select_list = [] %}
    {% for column in contract_columns(table) + ['malformed_line', 'delivery_file'] %}
        {% do select_list.append('cast(null as varchar) as ' ~ column) %}
    {% endfor %}
    {{ return("select " ~ select_list | join(', ') ~ " where false") }}
{% endmacro %}

{#- The file names a raw table may have in an export folder, in the order they are named. -#}
{% macro raw_file_forms(table) %}
    {{ return([table ~ '.csv', table ~ '.csv.gz', table ~ '.parquet']) }}
{% endmacro %}

{#-
  The text encoding of the CSV files (var raw_csv_encoding), in the spelling DuckDB's
  reader takes. Without extensions (which these machines cannot download) DuckDB reads
  exactly the encodings of var raw_csv_encodings; any other encoding stops the run
  before a file is read, with the conversion to run (D34).
-#}
{% macro raw_csv_encoding() %}
    {% set wanted = var('raw_csv_encoding', 'utf-8') | string | trim | lower %}
    {% if wanted not in var('raw_csv_encodings') %}
        {{ exceptions.raise_compiler_error("raw_csv_encoding '" ~ wanted ~ "' cannot be read here: the warehouse reads CSV files in " ~ var('raw_csv_encodings') | join(', ') ~ " (spelled so). For another encoding, convert the export to UTF-8 first, e.g. `service-analytics convert --from " ~ wanted ~ " DIR NEW_DIR` (or per file: iconv -f " ~ wanted | upper ~ " -t UTF-8 FILE > NEW_FILE), then build NEW_DIR with the default raw_csv_encoding (utf-8).") }}
    {% endif %}
    {{ return(wanted) }}
{% endmacro %}

{#-
  read_csv over one export file, every column text, without dialect sniffing (a
  malformed line must not hide the header). A file unreadable as a whole (D32, D34)
  stops the run whatever validate_raw_csv says (D45); otherwise malformed lines are
  kept as rows for staging to quarantine (S9) rather than silently skipped.
-#}
{% macro csv_reader(file, table, encoding='utf-8', malformed=none, checked=false) %}
    {% set quoted_file = file | replace("'", "''") %}
    {% set dialect = var('raw_csv_dialect') ~ ", encoding = '" ~ encoding ~ "'" %}
    {# every physical line as one text value: only bytes that are not valid text in the
       encoding can be rejected here, so the header probe below cannot fail on them #}
    {% set lines = "read_csv('" ~ quoted_file ~ "', header = false, auto_detect = false, "
        ~ "columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '', encoding = '"
        ~ encoding ~ "', strict_mode = false" %}
    {% set wrong = '' if checked else wrong_encoding_message(file, encoding) %}
    {% if wrong %}{{ exceptions.raise_compiler_error(wrong) }}{% endif %}
    {# a file with bytes that are not text in the encoding is read wrongly as a whole, not
       row by row: it stops the run even with validate_raw_csv off (D45) #}
    {% set undecodable = table ~ "__undecodable" %}
    {% if not checked %}
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
    {% set names = [] %}
    {% for name in header_rows[0].replace('\ufeff', '').split(',') %}
        {% do columns.append("'" ~ name | trim | trim('"') | replace("'", "''") ~ "': 'VARCHAR'") %}
        {% do names.append(name | trim | trim('"')) %}
    {% endfor %}
    {% set mixed = '' if checked else mixed_record_ends_message(file, table, names, columns, encoding) %}
    {% if mixed %}{{ exceptions.raise_compiler_error(mixed) }}{% endif %}
    {% set reader = "read_csv('" ~ quoted_file ~ "', header = true, auto_detect = false, columns = {"
        ~ columns | join(', ') ~ "}, " ~ dialect ~ ", strict_mode = true" %}
    {% if var('validate_raw_csv', true) and checked %}
        {# a delivery checked by an earlier run, unchanged since: its malformed lines are
           still in their table (D51) #}
        {{ return(reader ~ ", ignore_errors = true)") }}
    {% endif %}
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
        {% set malformed = malformed or api.Relation.create(database=target.database, schema='raw', identifier=table ~ '__malformed_lines') %}
        {% do run_query(
            "create or replace table " ~ malformed ~ " as "
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
        ~ encoding ~ ". Convert it to UTF-8 from its own encoding: GBK/GB18030 (what Chinese-language spreadsheet tools write) with "
        ~ "`service-analytics convert --from gb18030 DIR NEW_DIR` (files already UTF-8 are copied as they are), or per file: " ~ iconv
        ~ " (then put the .utf8 file in place of the original); Windows-1252 with --from cp1252. An export whose every file is "
        ~ "Latin-1 or UTF-16 reads as it is with --vars '{raw_csv_encoding: latin-1}' (or utf-16).") }}
{% endmacro %}

{#-
  Why a file cannot be read in the encoding, where DuckDB's reader would stop without
  naming the file (D34), or ''. Latin-1: a byte 0x80-0x9f ('File is not latin-1
  encoded'; UTF-8 text and Windows-1252 hold them); UTF-16: a file that does not start
  as little-endian UTF-16 (the bytes ff fe, or an ASCII letter and a zero byte). Reads
  the file's bytes, so plain .csv files only (service-analytics check also reads .gz).
-#}
{% macro wrong_encoding_message(file, encoding) %}
    {% set quoted_file = file | replace("'", "''") %}
    {% if file.endswith('.gz') %}{{ return('') }}{% endif %}
    {% if encoding == 'latin-1' %}
        {# the blob as text escapes every byte outside printable ASCII as \xHH (a backslash
           too), so the pattern finds exactly the bytes 0x80-0x9f #}
        {% set found = run_query(
            "select lower(byte_hex), (strlen(before) - strlen(replace(before, chr(92) || 'x0A', ''))) // 4 + 1, is_utf8 from ("
            ~ "select regexp_extract(escaped, '^(.*?)' || repeat(chr(92), 2) || 'x[89][0-9A-F]', 1) as before, "
            ~ "regexp_extract(escaped, repeat(chr(92), 2) || 'x([89][0-9A-F])', 1) as byte_hex, "
            ~ "try(decode(content)) is not null as is_utf8 from ("
            ~ "select content, content::varchar as escaped from read_blob('" ~ quoted_file ~ "'))) where byte_hex <> ''"
        ).rows %}
        {% if found | length == 0 %}{{ return('') }}{% endif %}
        {% set fix = "It is UTF-8 text: build it without raw_csv_encoding (utf-8 is the default)." if found[0][2]
            else "If it was saved on Windows (Windows-1252 writes the euro sign, curly quotes and dashes with these bytes), convert the export to UTF-8 first: `service-analytics convert --from cp1252 DIR NEW_DIR`, then build NEW_DIR without raw_csv_encoding." %}
        {{ return(file ~ " is not latin-1 text: line " ~ found[0][1] ~ " has the byte 0x" ~ found[0][0]
            ~ ", which the warehouse does not read as Latin-1 (bytes 0x80-0x9f are control codes there). " ~ fix) }}
    {% endif %}
    {% if encoding == 'utf-16' %}
        {% set start = run_query("select lower(hex(content[1:2])) from read_blob('" ~ quoted_file ~ "')").columns[0].values()[0] or '' %}
        {% if start == 'fffe' or (start | length == 4 and start[2:4] == '00' and start[0] in '01234567') %}{{ return('') }}{% endif %}
        {{ return(file ~ " is not utf-16 text as the warehouse reads it (little-endian: the bytes ff fe, or the header's first letter and a zero byte): it starts with the bytes "
            ~ start[0:2] ~ " " ~ start[2:4] ~ ". If the file is UTF-8 or Latin-1, set raw_csv_encoding to that (utf-8 is the default); big-endian UTF-16 converts with `service-analytics convert --from utf-16 DIR NEW_DIR`.") }}
    {% endif %}
    {{ return('') }}
{% endmacro %}

{#-
  A file whose records (lines outside quoted fields) end partly in CRLF and partly in LF
  stops DuckDB's strict reader ('invalid state'; D32): the message naming the file and
  the conversion, or ''. The CRLFs are counted without ordering the lines: the lines
  split at every CR and LF less those split at CRLF or LF, less the line breaks inside
  quoted fields; the file's last byte tells a last line without a line end (.csv only).
-#}
{% macro mixed_record_ends_message(file, table, names, columns, encoding) %}
    {% set quoted_file = file | replace("'", "''") %}
    {% set segments = "read_csv('" ~ quoted_file ~ "', header = false, auto_detect = false, columns = {'line': 'VARCHAR'}, "
        ~ "delim = '\x01', quote = '', escape = '', encoding = '" ~ encoding ~ "', strict_mode = false, new_line = " %}
    {% set counts = run_query("select (select count(*) from " ~ segments ~ "'\\n')), (select count(*) from " ~ segments ~ "'\\r\\n'))").rows[0] %}
    {% set crlf = counts[0] - counts[1] %}
    {% set other = counts[1] - crlf %}
    {% if crlf == 0 or other == 0 %}{{ return('') }}{% endif %}
    {% set quoted_names = [] %}
    {% for name in names %}{% do quoted_names.append('"' ~ name | replace('"', '""') ~ '"') %}{% endfor %}
    {# the line breaks inside quoted fields, by the lenient reader (which reads either record
       end); a record with too few fields is rejected by it, so its breaks come from its text #}
    {% set rejects = table ~ "__line_end_rejects" %}
    {% do run_query("drop table if exists " ~ rejects ~ "; drop table if exists " ~ rejects ~ "_scan") %}
    {% set in_values = run_query(line_break_sums(
        "select concat_ws(chr(1), " ~ quoted_names | join(', ') ~ ") as v from read_csv('" ~ quoted_file
        ~ "', header = true, auto_detect = false, columns = {" ~ columns | join(', ') ~ "}, " ~ var('raw_csv_dialect')
        ~ ", encoding = '" ~ encoding ~ "', strict_mode = false, ignore_errors = true, store_rejects = true, "
        ~ "rejects_table = '" ~ rejects ~ "', rejects_scan = '" ~ rejects ~ "_scan')")).rows[0] %}
    {% set in_rejected = run_query(line_break_sums(
        "select ltrim(any_value(csv_line), chr(10)) as v from " ~ rejects ~ " group by line")).rows[0] %}
    {% do run_query("drop table " ~ rejects ~ "; drop table " ~ rejects ~ "_scan") %}
    {% set embedded = [in_values[0] + in_rejected[0], in_values[1] + in_rejected[1]] %}
    {% set crlf_ends = crlf - embedded[0] %}
    {% set other_ends = other - embedded[1] %}
    {% if crlf_ends <= 0 or other_ends <= 0 %}{{ return('') }}{% endif %}
    {% if other_ends == 1 %}
        {% if file.endswith('.gz') %}{{ return('') }}{% endif %}
        {% set ends_with_line_feed = run_query(
            "select ends_with(escaped, chr(92) || 'x0A') or ends_with(escaped, chr(92) || 'x0A' || chr(92) || 'x00') "
            ~ "from (select content::varchar as escaped from read_blob('" ~ quoted_file ~ "'))"
        ).columns[0].values()[0] %}
        {% if not ends_with_line_feed %}{{ return('') }}{% endif %}
    {% endif %}
    {% set usual = 'crlf' if crlf_ends >= other_ends else 'lf' %}
    {{ return(file ~ " has records ending partly in CRLF and partly in LF (" ~ crlf_ends ~ " end with CRLF, " ~ other_ends
        ~ " with LF; lines added by another tool?), and the warehouse's CSV reader stops on such a file. Write every record end the same way, keeping the line breaks inside quoted fields: `service-analytics convert --newline "
        ~ usual ~ " DIR NEW_DIR`, then build NEW_DIR (`service-analytics check DIR` names the first line that ends otherwise).") }}
{% endmacro %}

{#- Line breaks in the text column v of a query: CRLFs, and the other CRs and LFs. -#}
{% macro line_break_sums(values_sql) %}
    {{ return("select coalesce(sum(crlf), 0), coalesce(sum(breaks - 2 * crlf), 0) from ("
        ~ "select (strlen(v) - strlen(replace(v, chr(13) || chr(10), ''))) // 2 as crlf, "
        ~ "strlen(v) - strlen(replace(replace(v, chr(13), ''), chr(10), '')) as breaks from (" ~ values_sql ~ ") "
        ~ "where strpos(v, chr(10)) > 0 or strpos(v, chr(13)) > 0)") }}
{% endmacro %}
