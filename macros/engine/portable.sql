{#- Engine differences, one dispatched macro each (design.md: keep SQL portable). -#}

{#- A text id or code as exported: trimmed, empty means null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- A code compared case-insensitively (S1): trimmed, lower case, empty means null. -#}
{% macro normalise_code(column) -%}
    lower({{ clean_text(column) }})
{%- endmacro %}

{#- Whole text is a (signed) integer; guards casts that would round '4.5' to 5. -#}
{% macro is_integer_text(column) %}
    {{ return(adapter.dispatch('is_integer_text', 'service_analytics')(column)) }}
{% endmacro %}

{% macro duckdb__is_integer_text(column) -%}
    regexp_full_match({{ column }}, '[+-]?[0-9]{1,9}')
{%- endmacro %}

{#- The raw values of a row as one JSON text, kept on quarantine rows (S9). -#}
{% macro raw_record_json(columns) %}
    {{ return(adapter.dispatch('raw_record_json', 'service_analytics')(columns)) }}
{% endmacro %}

{% macro duckdb__raw_record_json(columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column }} := {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}

{#- Relation of valid IANA time zone names, one column `name`. -#}
{% macro timezone_names() %}
    {{ return(adapter.dispatch('timezone_names', 'service_analytics')()) }}
{% endmacro %}

{% macro duckdb__timezone_names() -%}
    (select name from pg_timezone_names())
{%- endmacro %}

{#- The moment of the build (UTC), for the future-timestamp check (S9). -#}
{% macro build_time() -%}
    {%- set fixed = var('build_time', '') -%}
    {%- if fixed -%}
        cast('{{ fixed }}' as timestamp)
    {%- else -%}
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
    {%- endif -%}
{%- endmacro %}
