{#-
  ISO 8601 text to a UTC timestamp (raw-contract.md); anything else gives null, which
  staging quarantines (S9). The pattern guard matters: a plain cast would silently drop
  an offset, and each engine would accept a different grammar (the one grammar: D26).
-#}
{% macro iso_timestamp_pattern() -%}
^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,9})?(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?$
{%- endmacro %}

{% macro iso_offset_pattern() -%}
(Z|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{% macro parse_iso_timestamp(column) %}
    {{ return(adapter.dispatch('parse_iso_timestamp', 'service_analytics')(column)) }}
{% endmacro %}

{#- DuckDB: text in UTC already (ending in Z, most of an export) is read by the plain
    timestamp cast; another offset through the instant's epoch, not ICU's time zone
    conversion (D88: the same values, a third of the cost). -#}
{% macro duckdb__parse_iso_timestamp(column) -%}
    case
        when not regexp_full_match({{ column }}, '{{ iso_timestamp_pattern() }}') then null
        when substr({{ column }}, 1, 4) = '0000' then null
        when {{ column }} like '%Z' then try_cast({{ column }} as timestamp)
        when regexp_matches(substr({{ column }}, 20), '{{ iso_offset_pattern() }}')
            then make_timestamp(epoch_us(try_cast({{ column }} as timestamptz)))
        else try_cast({{ column }} as timestamp)
    end
{%- endmacro %}


{#- PostgreSQL has no try_cast: the pattern has checked every field's range, so what is
    left to refuse before casting is a day past the end of its month (2026-02-29). -#}
{% macro postgres__parse_iso_timestamp(column) -%}
    {%- set micro = "regexp_replace(" ~ column ~ ", '([.][0-9]{6})[0-9]+', '\\1')" -%}
    case
        when not ({{ column }} ~ '{{ iso_timestamp_pattern() }}') then null
        when substr({{ column }}, 1, 4) = '0000' then null
        when cast(substr({{ column }}, 9, 2) as integer) > extract(day from
            make_date(cast(substr({{ column }}, 1, 4) as integer), cast(substr({{ column }}, 6, 2) as integer), 1)
            + interval '1 month' - interval '1 day')
            then null
        when substr({{ column }}, 20) ~ '{{ iso_offset_pattern() }}'
            then cast(cast({{ micro }} as timestamptz) at time zone 'UTC' as timestamp)
        else cast({{ micro }} as timestamp)
    end
{%- endmacro %}

{#- Spark's cast reads offsets (Z, +08:00, +0800, +08) into the session time zone, which
    the profile fixes to UTC, and gives null for impossible dates. -#}
{% macro spark__parse_iso_timestamp(column) -%}
    case
        when not ({{ column }} rlike '{{ iso_timestamp_pattern() }}') then null
        when substr({{ column }}, 1, 4) = '0000' then null
        else cast(regexp_replace({{ column }}, '([.][0-9]{6})[0-9]+', '$1') as timestamp)
    end
{%- endmacro %}
