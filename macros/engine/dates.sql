{#- Date arithmetic the engines spell differently (start_of alone is portable). -#}

{#- A date plus a whole number of days (negative goes back). -#}
{% macro add_days(date_expression, days) %}
    {{ return(adapter.dispatch('add_days', 'service_analytics')(date_expression, days)) }}
{% endmacro %}

{% macro duckdb__add_days(date_expression, days) -%}
    cast({{ date_expression }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}

{% macro spark__add_days(date_expression, days) -%}
    date_add(cast({{ date_expression }} as date), cast({{ days }} as integer))
{%- endmacro %}

{% macro postgres__add_days(date_expression, days) -%}
    cast(cast({{ date_expression }} as date) + cast({{ days }} as integer) as date)
{%- endmacro %}

{#- First day of the calendar week (Monday) or month containing a date. -#}
{% macro start_of(unit, date_expression) -%}
    cast({{ dbt.date_trunc(unit, date_expression) }} as date)
{%- endmacro %}

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
