{#- One row per day from start_date to end_date inclusive, column date_day. -#}
{% macro date_series(start_date, end_date) %}
    {{ return(adapter.dispatch('date_series', 'service_analytics')(start_date, end_date)) }}
{% endmacro %}

{% macro duckdb__date_series(start_date, end_date) -%}
    select cast(unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date) as date_day
{%- endmacro %}

{% macro spark__date_series(start_date, end_date) -%}
    select explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day)) as date_day
{%- endmacro %}

{% macro postgres__date_series(start_date, end_date) -%}
    select cast(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval '1 day') as date) as date_day
{%- endmacro %}
