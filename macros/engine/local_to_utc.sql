{#- The UTC instant of a wall-clock time in an IANA time zone (S10.1). A local time that
    does not exist (spring-forward gap) or occurs twice (fall-back) is the later of its
    candidate instants (S10 readings). -#}
{% macro local_to_utc(local_timestamp, timezone) %}
    {{ return(adapter.dispatch('local_to_utc', 'service_analytics')(local_timestamp, timezone)) }}
{% endmacro %}

{#- DuckDB (ICU) reads a gap time with the offset before the change and a repeated time
    with the offset after it: the later instant in both cases. -#}
{% macro duckdb__local_to_utc(local_timestamp, timezone) -%}
    timezone('UTC', timezone({{ timezone }}, {{ local_timestamp }}))
{%- endmacro %}

{#- PostgreSQL does the same ("Handling of Invalid or Ambiguous Timestamps"). -#}
{% macro postgres__local_to_utc(local_timestamp, timezone) -%}
    (({{ local_timestamp }}) at time zone {{ timezone }}) at time zone 'UTC'
{%- endmacro %}

{#- Spark's to_utc_timestamp moves a gap time forward (the later instant) but reads a
    repeated time with the offset before the change, the EARLIER instant. So the local
    time is also read with the offset a day later; when that gives a later instant whose
    wall-clock time is the same local time, the time was repeated, and it is taken. -#}
{% macro spark__local_to_utc(local_timestamp, timezone) -%}
    (case
        when {{ spark_local_to_utc_with_next_offset(local_timestamp, timezone) }} > to_utc_timestamp({{ local_timestamp }}, {{ timezone }})
            and from_utc_timestamp({{ spark_local_to_utc_with_next_offset(local_timestamp, timezone) }}, {{ timezone }}) = {{ local_timestamp }}
            then {{ spark_local_to_utc_with_next_offset(local_timestamp, timezone) }}
        else to_utc_timestamp({{ local_timestamp }}, {{ timezone }})
    end)
{%- endmacro %}

{#- Spark: the local time read with the zone's UTC offset one day after Spark's reading. -#}
{% macro spark_local_to_utc_with_next_offset(local_timestamp, timezone) -%}
    {%- set next_day = 'to_utc_timestamp(' ~ local_timestamp ~ ', ' ~ timezone ~ ') + interval 1 day' -%}
    timestamp_micros(
        unix_micros({{ local_timestamp }})
        - (unix_micros(from_utc_timestamp({{ next_day }}, {{ timezone }})) - unix_micros({{ next_day }}))
    )
{%- endmacro %}

{#- Microseconds from `start_at` to `end_at` (exact). -#}
{% macro microseconds_between(start_at, end_at) %}
    {{ return(adapter.dispatch('microseconds_between', 'service_analytics')(start_at, end_at)) }}
{% endmacro %}

{% macro duckdb__microseconds_between(start_at, end_at) -%}
    (epoch_us({{ end_at }}) - epoch_us({{ start_at }}))
{%- endmacro %}

{#- extract(epoch from an interval) is numeric (exact) since PostgreSQL 14 -#}
{% macro postgres__microseconds_between(start_at, end_at) -%}
    cast(extract(epoch from ({{ end_at }}) - ({{ start_at }})) * 1000000 as bigint)
{%- endmacro %}

{% macro spark__microseconds_between(start_at, end_at) -%}
    (unix_micros({{ end_at }}) - unix_micros({{ start_at }}))
{%- endmacro %}

{#- Whole seconds of a non-negative number of microseconds, rounded down. -#}
{% macro whole_seconds(microseconds) %}
    {{ return(adapter.dispatch('whole_seconds', 'service_analytics')(microseconds)) }}
{% endmacro %}

{% macro duckdb__whole_seconds(microseconds) -%}
    (cast({{ microseconds }} as bigint) // 1000000)
{%- endmacro %}

{% macro postgres__whole_seconds(microseconds) -%}
    (cast({{ microseconds }} as bigint) / 1000000)
{%- endmacro %}

{% macro spark__whole_seconds(microseconds) -%}
    (cast({{ microseconds }} as bigint) div 1000000)
{%- endmacro %}
