{#-
  For the S6 period reconciliation tests: the period report of `grain` (shop or agent)
  against its daily mart summed over each period's days, with a range join (the plain
  reading of "a period is the sum of its days"; the report itself uses running sums).
  One row per key, as-of day, period and fact that disagree.
-#}
{% macro periods_sum_their_days(grain) -%}
{%- set keys = ['shop_id'] if grain == 'shop' else ['shop_id', 'agent_id'] -%}
{%- set count_column = 'consultations' if grain == 'shop' else 'assigned_sessions' -%}
{%- set facts = [count_column] + additive_fact_names() + (['unassigned_sessions'] if grain == 'shop' else []) -%}
with

periods as (
    select
        {{ keys | join(', ') }},
        as_of_date,
        period_name,
        period_start_date,
        {{ facts | join(', ') }}
    from {{ ref('rpt_shop_periods' if grain == 'shop' else 'rpt_agent_periods') }}
),

daily as (
    select
        {{ keys | join(', ') }},
        date_day,
        {{ facts | join(', ') }}
    from {{ ref('fct_shop_daily' if grain == 'shop' else 'fct_agent_daily') }}
),

days_summed as (
    select
        {%- for key in keys %}
        periods.{{ key }},
        {%- endfor %}
        periods.as_of_date,
        periods.period_name,
        {%- for fact in facts %}
        sum(daily.{{ fact }}) as {{ fact }}{{ ',' if not loop.last }}
        {%- endfor %}
    from periods
    inner join daily
        on {% for key in keys %}periods.{{ key }} = daily.{{ key }} and {% endfor %}daily.date_day
        between periods.period_start_date and periods.as_of_date
    group by {% for key in keys %}periods.{{ key }}, {% endfor %}periods.as_of_date, periods.period_name
)

{{ compare_facts('periods', 'days_summed', keys + ['as_of_date', 'period_name'], facts) }}
{%- endmacro %}
