{#-
  S6 reconciliation: the period report of `grain` against its daily mart summed over each
  period's days with a range join, the plain reading of "a period is the sum of its days"
  (the report uses running sums). Only the first and last `edge_days` as-of days are
  checked, since the range join over a long history runs out of memory; the unit tests of
  int_calendar__preset_periods and rpt_shop_periods pin the presets on every day.
-#}
{% macro periods_sum_their_days(grain, edge_days=10) -%}
{%- set keys = period_grain(grain).key_columns -%}
{%- set facts = period_grain(grain).facts -%}
{%- set report = ref('rpt_shop_periods' if grain == 'shop' else 'rpt_agent_periods') -%}
with

periods as (
    select
        {{ keys | join(', ') }},
        as_of_date,
        period_name,
        period_start_date,
        {{ facts | join(', ') }}
    from {{ report }}
    where as_of_date < (select {{ add_days('min(as_of_date)', edge_days) }} from {{ report }})
        or as_of_date > (select {{ add_days('max(as_of_date)', -edge_days) }} from {{ report }})
),

daily as (
    select
        {{ keys | join(', ') }},
        date_day,
        {{ facts | join(', ') }}
    from {{ ref(period_grain(grain).daily_model) }}
),

calendar as (
    select distinct date_day from daily
),

-- each period's days (a range join with the small calendar, then equality joins)
period_days as (
    select
        {{ qualified_columns('periods', keys) }},
        periods.as_of_date,
        periods.period_name,
        calendar.date_day
    from periods
    inner join calendar on calendar.date_day between periods.period_start_date and periods.as_of_date
),

days_summed as (
    select
        {{ qualified_columns('period_days', keys) }},
        period_days.as_of_date,
        period_days.period_name,
        {%- for fact in facts %}
        sum(daily.{{ fact }}) as {{ fact }}{{ ',' if not loop.last }}
        {%- endfor %}
    from period_days
    inner join daily
        on {{ columns_match('period_days', 'daily', keys) }} and period_days.date_day = daily.date_day
    group by {{ qualified_columns('period_days', keys) }}, period_days.as_of_date, period_days.period_name
)

-- one join for all facts (compare_facts joins once per fact, over a large report)
select
    {%- for key in keys %}
    coalesce(periods.{{ key }}, days_summed.{{ key }}) as {{ key }},
    {%- endfor %}
    coalesce(periods.as_of_date, days_summed.as_of_date) as as_of_date,
    coalesce(periods.period_name, days_summed.period_name) as period_name
from periods
full outer join days_summed
    on {{ columns_match('periods', 'days_summed', keys) }} and periods.as_of_date = days_summed.as_of_date
        and periods.period_name = days_summed.period_name
where
    {%- for fact in facts %}
    coalesce(periods.{{ fact }}, 0) <> coalesce(days_summed.{{ fact }}, 0){{ ' or' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- What the period checks key and sum at a `grain` (shop or agent): the key columns, the
    daily mart, its count column and every fact that adds up. -#}
{% macro period_grain(grain) -%}
    {%- set count_column = 'consultations' if grain == 'shop' else 'assigned_sessions' -%}
    {{ return({
        'key_columns': ['shop_id'] if grain == 'shop' else ['shop_id', 'agent_id'],
        'daily_model': 'fct_shop_daily' if grain == 'shop' else 'fct_agent_daily',
        'count_column': count_column,
        'facts': [count_column] + additive_fact_names() + service_fact_names() + (['unassigned_sessions'] if grain == 'shop' else []),
    }) }}
{%- endmacro %}
