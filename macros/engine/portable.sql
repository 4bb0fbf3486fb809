{#- Engine differences, one dispatched macro each (design.md: keep SQL portable); where dbt's
    cross-database macros serve, they are used instead (_engine__macros.yml says why not). -#}

{#- Whole text is a (signed) integer; guards casts that would round '4.5' to 5. -#}
{% macro is_integer_text(column) %}
    {{ return(adapter.dispatch('is_integer_text', 'service_analytics')(column)) }}
{% endmacro %}

{% macro duckdb__is_integer_text(column) -%}
    regexp_full_match({{ column }}, '[+-]?[0-9]{1,9}')
{%- endmacro %}

{% macro postgres__is_integer_text(column) -%}
    ({{ column }} ~ '^[+-]?[0-9]{1,9}$')
{%- endmacro %}

{% macro spark__is_integer_text(column) -%}
    ({{ column }} rlike '^[+-]?[0-9]{1,9}$')
{%- endmacro %}

{#- The raw values of a row as one JSON text, kept on quarantine rows (S9); the values are
    read from the columns named `prefix` + column. -#}
{% macro raw_record_json(columns, prefix='') %}
    {{ return(adapter.dispatch('raw_record_json', 'service_analytics')(columns, prefix)) }}
{% endmacro %}

{% macro duckdb__raw_record_json(columns, prefix='') -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column }} := {{ prefix }}{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{#- the same text as DuckDB's to_json: {"a":"x","b":null}, keys in contract order -#}
{% macro postgres__raw_record_json(columns, prefix='') -%}
    ('{'
    {%- for column in columns %}
        || '{{ ',' if not loop.first }}"{{ column }}":' || coalesce(cast(to_json({{ prefix }}{{ column }}) as text), 'null')
    {%- endfor %}
        || '}')
{%- endmacro %}

{% macro spark__raw_record_json(columns, prefix='') -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', {{ prefix }}{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}

{#- Relation of valid IANA time zone names, one column `name` (a subquery with an alias). -#}
{% macro timezone_names() %}
    {{ return(adapter.dispatch('timezone_names', 'service_analytics')()) }}
{% endmacro %}

{% macro duckdb__timezone_names() -%}
    (select name from pg_timezone_names()) as time_zones
{%- endmacro %}

{% macro postgres__timezone_names() -%}
    (select name from pg_timezone_names) as time_zones
{%- endmacro %}

{#- Spark SQL has no catalogue of zones: `service-analytics load --target spark` writes
    the JVM's own list (java.time.ZoneId) to raw.time_zone_names. -#}
{% macro spark__timezone_names() -%}
    (select name from raw.time_zone_names) as time_zones
{%- endmacro %}

{#- Whole seconds from `start_at` to `end_at`, rounded down (S4: 0.9 s is 0, 1.2 s is 1). -#}
{% macro seconds_between(start_at, end_at) %}
    {{ return(adapter.dispatch('seconds_between', 'service_analytics')(start_at, end_at)) }}
{% endmacro %}

{% macro duckdb__seconds_between(start_at, end_at) -%}
    ((epoch_us({{ end_at }}) - epoch_us({{ start_at }})) // 1000000)
{%- endmacro %}

{#- truncated toward zero, as DuckDB's integer division -#}
{% macro postgres__seconds_between(start_at, end_at) -%}
    cast(trunc(extract(epoch from ({{ end_at }}) - ({{ start_at }}))) as bigint)
{%- endmacro %}

{% macro spark__seconds_between(start_at, end_at) -%}
    ((unix_micros({{ end_at }}) - unix_micros({{ start_at }})) div 1000000)
{%- endmacro %}

{#- A timestamp plus a number of seconds. -#}
{% macro add_seconds(timestamp, seconds) %}
    {{ return(adapter.dispatch('add_seconds', 'service_analytics')(timestamp, seconds)) }}
{% endmacro %}

{% macro default__add_seconds(timestamp, seconds) -%}
    ({{ dbt.dateadd('second', seconds, timestamp) }})
{%- endmacro %}

{#- dbt's Spark dateadd goes through whole Unix seconds: it would drop the sub-second part. -#}
{% macro spark__add_seconds(timestamp, seconds) -%}
    timestamp_micros(unix_micros({{ timestamp }}) + cast({{ seconds }} as bigint) * 1000000)
{%- endmacro %}

{#- The calendar date of a UTC timestamp in an IANA time zone (S6: the shop's local day). -#}
{% macro local_date(utc_timestamp, timezone) %}
    {{ return(adapter.dispatch('local_date', 'service_analytics')(utc_timestamp, timezone)) }}
{% endmacro %}

{% macro duckdb__local_date(utc_timestamp, timezone) -%}
    cast({{ duckdb_local_timestamp(utc_timestamp, timezone) }} as date)
{%- endmacro %}

{#- DuckDB's wall-clock time of a UTC timestamp in a time zone. DuckDB sets a zone up
    for every row when the zone is a column, so the zones of the shops already staged
    become constant branches of a case; any other zone takes the general path. -#}
{% macro duckdb_local_timestamp(utc_timestamp, timezone) -%}
    {%- set zones = staged_shop_time_zones() -%}
    {%- if zones -%}
    case {{ timezone }}
        {%- for zone in zones %}
        {%- set quoted_zone = "'" ~ zone | replace("'", "''") ~ "'" %}
        when {{ quoted_zone }} then timezone({{ quoted_zone }}, timezone('UTC', {{ utc_timestamp }}))
        {%- endfor %}
        else timezone({{ timezone }}, timezone('UTC', {{ utc_timestamp }}))
    end
    {%- else -%}
    timezone({{ timezone }}, timezone('UTC', {{ utc_timestamp }}))
    {%- endif -%}
{%- endmacro %}

{#- The distinct time zones of stg_chat__shops when it has been built (an optimisation
    hint read at run time; nothing depends on it for correctness), at most 64. The
    relation comes from the graph, not ref(), so the models calling this gain no
    dependency from it (unit tests see no graph, and take the general path). -#}
{% macro staged_shop_time_zones() -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set node = (graph.get('nodes') or {}).get('model.service_analytics.stg_chat__shops') -%}
    {%- set shops = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) if node else none -%}
    {%- if shops is none -%}{{ return([]) }}{%- endif -%}
    {%- set zones = run_query('select distinct timezone from ' ~ shops ~ ' where timezone is not null order by 1 limit 65').columns[0].values() -%}
    {{ return(zones if zones | length <= 64 else []) }}
{%- endmacro %}

{% macro postgres__local_date(utc_timestamp, timezone) -%}
    cast(({{ utc_timestamp }} at time zone 'UTC') at time zone {{ timezone }} as date)
{%- endmacro %}

{% macro spark__local_date(utc_timestamp, timezone) -%}
    to_date(from_utc_timestamp({{ utc_timestamp }}, {{ timezone }}))
{%- endmacro %}

{#- The value of `value` on the row with the greatest `order_by` in a group (or least),
    among the rows where `where` holds; rows with a null value or order are skipped. -#}
{% macro arg_max(value, order_by, where=none) %}
    {{ return(adapter.dispatch('arg_max', 'service_analytics')(value, order_by, where)) }}
{% endmacro %}

{% macro duckdb__arg_max(value, order_by, where=none) -%}
    arg_max({{ value }}, {{ order_by }}){% if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro postgres__arg_max(value, order_by, where=none) -%}
    {{ postgres_arg_extreme(value, order_by, where, 'desc') }}
{%- endmacro %}

{% macro spark__arg_max(value, order_by, where=none) -%}
    {{ spark_arg_extreme('max_by', value, order_by, where) }}
{%- endmacro %}

{% macro arg_min(value, order_by, where=none) %}
    {{ return(adapter.dispatch('arg_min', 'service_analytics')(value, order_by, where)) }}
{% endmacro %}

{% macro duckdb__arg_min(value, order_by, where=none) -%}
    arg_min({{ value }}, {{ order_by }}){% if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro postgres__arg_min(value, order_by, where=none) -%}
    {{ postgres_arg_extreme(value, order_by, where, 'asc') }}
{%- endmacro %}

{% macro spark__arg_min(value, order_by, where=none) -%}
    {{ spark_arg_extreme('min_by', value, order_by, where) }}
{%- endmacro %}

{#- PostgreSQL has no arg_max: the first element of the values ordered by `order_by`. -#}
{% macro postgres_arg_extreme(value, order_by, where, direction) -%}
    (array_agg({{ value }} order by {{ order_by }} {{ direction }}) filter (
        where ({{ value }}) is not null and ({{ order_by }}) is not null
        {%- if where is not none %} and ({{ where }}){% endif %}
    ))[1]
{%- endmacro %}

{#- Spark's max_by/min_by keep a null value; DuckDB's arg_max skips it, so a null value
    gets no order. -#}
{% macro spark_arg_extreme(function, value, order_by, where) -%}
    {{ function }}({{ value }}, case when ({{ value }}) is not null then {{ order_by }} end)
    {%- if where is not none %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{#- A hex digest of text, for stable ids. -#}
{% macro hash_text(expression) %}
    {{ return(adapter.dispatch('hash_text', 'service_analytics')(expression)) }}
{% endmacro %}

{% macro duckdb__hash_text(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro postgres__hash_text(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro spark__hash_text(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{#- The hour (0-23) of a UTC timestamp on the clock of an IANA time zone (I5, I7). -#}
{% macro local_hour(utc_timestamp, timezone) %}
    {{ return(adapter.dispatch('local_hour', 'service_analytics')(utc_timestamp, timezone)) }}
{% endmacro %}

{% macro duckdb__local_hour(utc_timestamp, timezone) -%}
    cast(extract(hour from {{ duckdb_local_timestamp(utc_timestamp, timezone) }}) as integer)
{%- endmacro %}

{% macro postgres__local_hour(utc_timestamp, timezone) -%}
    cast(extract(hour from ({{ utc_timestamp }} at time zone 'UTC') at time zone {{ timezone }}) as integer)
{%- endmacro %}

{% macro spark__local_hour(utc_timestamp, timezone) -%}
    hour(from_utc_timestamp({{ utc_timestamp }}, {{ timezone }}))
{%- endmacro %}

{#- ISO weekday of a date: 1 Monday to 7 Sunday (I5). -#}
{% macro iso_weekday(date_expression) %}
    {{ return(adapter.dispatch('iso_weekday', 'service_analytics')(date_expression)) }}
{% endmacro %}

{% macro duckdb__iso_weekday(date_expression) -%}
    cast(isodow({{ date_expression }}) as integer)
{%- endmacro %}

{% macro postgres__iso_weekday(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__iso_weekday(date_expression) -%}
    (weekday({{ date_expression }}) + 1)
{%- endmacro %}

{#- The continuous percentile (linear interpolation) of `column` in a group (I4). -#}
{% macro percentile_cont(fraction, column) %}
    {{ return(adapter.dispatch('percentile_cont', 'service_analytics')(fraction, column)) }}
{% endmacro %}

{% macro duckdb__percentile_cont(fraction, column) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro postgres__percentile_cont(fraction, column) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}

{% macro spark__percentile_cont(fraction, column) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{#- A 64-bit floating-point type name (DuckDB double, PostgreSQL double precision). -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'service_analytics')()) }}
{% endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{#- Whether the whole of `text` has the shape YYYY-MM-DD (ten characters: four digits, a
    dash, two digits, a dash, two digits; not a calendar check). D19's incremental
    re-check runs it on every raw timestamp of the export. -#}
{% macro is_iso_date_text(text) %}
    {{ return(adapter.dispatch('is_iso_date_text', 'service_analytics')(text)) }}
{% endmacro %}

{#- a GLOB: cheaper than a regular expression on DuckDB, and the same answer, since
    GLOB matches the whole text -#}
{% macro duckdb__is_iso_date_text(text) -%}
    ({{ text }} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]')
{%- endmacro %}

{% macro postgres__is_iso_date_text(text) -%}
    ({{ text }} ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
{%- endmacro %}

{% macro spark__is_iso_date_text(text) -%}
    ({{ text }} rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
{%- endmacro %}


{#- A CTE computed once rather than inlined where it is used: PostgreSQL inlines a CTE's
    expressions into every later reference (the base models would parse a timestamp
    once per use), DuckDB and Spark share them already. Use: `typed as {{ materialized_cte() }} (`. -#}
{% macro materialized_cte() %}
    {{ return(adapter.dispatch('materialized_cte', 'service_analytics')()) }}
{% endmacro %}

{% macro default__materialized_cte() -%}
{%- endmacro %}

{% macro postgres__materialized_cte() -%}
    materialized
{%- endmacro %}

{#- Whether the whole of `text` has the shape HH:MM (two digits, a colon, two digits; not
    a range check): S10's local times. -#}
{% macro is_clock_time_text(text) %}
    {{ return(adapter.dispatch('is_clock_time_text', 'service_analytics')(text)) }}
{% endmacro %}

{% macro duckdb__is_clock_time_text(text) -%}
    ({{ text }} glob '[0-9][0-9]:[0-9][0-9]')
{%- endmacro %}

{% macro postgres__is_clock_time_text(text) -%}
    ({{ text }} ~ '^[0-9]{2}:[0-9]{2}$')
{%- endmacro %}

{% macro spark__is_clock_time_text(text) -%}
    ({{ text }} rlike '^[0-9]{2}:[0-9]{2}$')
{%- endmacro %}

{#- The texts of a group as one text, in their own order, joined by `delimiter`: an
    aggregate, for a fingerprint of a group's rows. -#}
{% macro sorted_text_list(expression, delimiter) %}
    {{ return(adapter.dispatch('sorted_text_list', 'service_analytics')(expression, delimiter)) }}
{% endmacro %}

{% macro default__sorted_text_list(expression, delimiter) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ expression) }}
{%- endmacro %}

{#- dbt's spark__listagg drops the order (with a warning); collect_list's is arbitrary -#}
{% macro spark__sorted_text_list(expression, delimiter) -%}
    array_join(array_sort(collect_list({{ expression }})), {{ delimiter }})
{%- endmacro %}
