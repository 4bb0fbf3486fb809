{#-
  ISO 8601 text -> UTC timestamp without time zone (raw-contract.md): an offset or `Z`
  is converted to UTC, no offset means UTC already. Anything else, including impossible
  dates such as 2026-02-30, gives null, which staging quarantines as unparseable (S9).
  The pattern guard matters: casting to a plain timestamp would silently drop an offset.
-#}
{% macro iso_timestamp_pattern() -%}
^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,9})?(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)?$
{%- endmacro %}

{% macro iso_offset_pattern() -%}
(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{% macro parse_iso_timestamp(column) %}
    {{ return(adapter.dispatch('parse_iso_timestamp', 'service_analytics')(column)) }}
{% endmacro %}

{% macro duckdb__parse_iso_timestamp(column) -%}
    case
        when not regexp_full_match({{ column }}, '{{ iso_timestamp_pattern() }}') then null
        when regexp_matches(substr({{ column }}, 20), '{{ iso_offset_pattern() }}')
            then timezone('UTC', try_cast({{ column }} as timestamptz))
        else try_cast({{ column }} as timestamp)
    end
{%- endmacro %}
