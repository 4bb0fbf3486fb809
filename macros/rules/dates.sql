{#- Calendar arithmetic of the rules, on dbt's cross-database date macros. -#}

{#- A date plus a whole number of days (negative goes back), as a date. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#- First day of the calendar week (Monday) or month containing a date. -#}
{% macro start_of(unit, date_expression) -%}
    cast({{ dbt.date_trunc(unit, date_expression) }} as date)
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
