{#-
  S6, S8: the seller-centre presets (last 7 days, last 28 days, calendar week to date,
  calendar month to date) as of every day, for every shop (grain 'shop') or shop and
  agent (grain 'agent'), from the first day with data to the latest day in the
  warehouse, each metric with its target and whether it is met. Rates come from the
  summed facts (summed_facts_and_rates), the sums taken as differences of running sums.
  Used by rpt_shop_periods and rpt_agent_periods, incremental by shop and as-of day (D31).
-#}
{% macro period_report(grain) -%}
{%- set keys = period_grain(grain).key_columns -%}
{%- set facts = period_grain(grain).facts -%}
{%- set rate_24h = 'response_rate_24h' if grain == 'shop' else 'manual_response_rate_24h' -%}
{%- set metrics = [rate_24h, 'satisfaction_rate', 'avg_first_response_seconds'] -%}
with

daily as (
    select
        {{ keys | join(', ') }},
        date_day,
        {{ facts | join(',\n        ') }}
    from {{ ref(period_grain(grain).daily_model) }}
),

shop_targets as (
    {{ pivot_metric_targets(metrics) }}
),

spans as (
    select
        {{ keys | join(', ') }},
        min(date_day) as first_date_day,
        (select max(all_days.date_day) from daily as all_days) as last_date_day
    from daily
    group by {{ keys | join(', ') }}
),

calendar as (
    {{ date_series('(select min(first_date_day) from spans)', '(select max(last_date_day) from spans)') }}
),

shop_calendar as (
    select
        shops.shop_id,
        calendar.date_day
    from (select distinct shop_id from spans) as shops
    cross join calendar
),

-- on incremental runs (D31) the days rebuilt and the days their periods reach back to
-- (a period starts at most 30 days before its as-of day, and its sums need the day before)
needed_shop_days as (
    {{ rebuilt_days_with_reach('shop_calendar', period_reach_days(), 'as_of_date') }}
),

as_of_days as (
    select
        {{ qualified_columns('spans', keys) }},
        needed_shop_days.date_day as as_of_date,
        needed_shop_days.is_rebuilt
    from spans
    inner join needed_shop_days
        on spans.shop_id = needed_shop_days.shop_id
            and needed_shop_days.date_day between spans.first_date_day and spans.last_date_day
),

periods as (
    {%- for preset in period_presets() %}
    select
        {{ keys | join(', ') }},
        as_of_date,
        '{{ preset[0] }}' as period_name,
        {{ preset[1] }} as period_start_date
    from as_of_days
    where is_rebuilt
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- each key's facts summed from its first day (on incremental runs, its first day needed)
-- to each day: a period's facts are then the sums at its last day less those at the day
-- before its first, two lookups instead of a range join over every day of every period
-- (the facts are whole numbers, so exact)
running as (
    select
        {{ qualified_columns('as_of_days', keys) }},
        as_of_days.as_of_date,
        {%- for fact in facts %}
        {{ sum_as_bigint('coalesce(daily.' ~ fact ~ ', 0)', over='running_days') }} as {{ fact }}{{ ',' if not loop.last }}
        {%- endfor %}
    from as_of_days
    left join daily
        on {{ columns_match('as_of_days', 'daily', keys) }} and as_of_days.as_of_date = daily.date_day
    window running_days as (
        partition by {{ qualified_columns('as_of_days', keys) }}
        order by as_of_days.as_of_date rows between unbounded preceding and current row
    )
),

period_facts as (
    select
        {{ qualified_columns('periods', keys) }},
        periods.as_of_date,
        periods.period_name,
        periods.period_start_date,
        {%- for fact in facts %}
        period_end.{{ fact }} - coalesce(before_start.{{ fact }}, 0) as {{ fact }}{{ ',' if not loop.last }}
        {%- endfor %}
    from periods
    inner join running as period_end
        on {{ columns_match('periods', 'period_end', keys) }} and periods.as_of_date = period_end.as_of_date
    left join running as before_start
        on {{ columns_match('periods', 'before_start', keys) }}
            and before_start.as_of_date = {{ add_days('periods.period_start_date', -1) }}
),

summed as (
    select
        {{ keys | join(', ') }},
        as_of_date,
        period_name,
        period_start_date,
        {{ summed_facts_and_rates(grain, summed='{}') }}
    from period_facts
),

with_targets as (
    select
        summed.*,
        {%- for metric in metrics %}
        shop_targets.{{ metric }}_target,
        shop_targets.{{ metric }}_target_direction{{ ',' if not loop.last }}
        {%- endfor %}
    from summed
    left join shop_targets on summed.shop_id = shop_targets.shop_id
),

judged as (
    select
        *,
        {%- for metric in metrics %}
        {{ is_target_met(metric) }} as is_{{ metric }}_target_met{{ ',' if not loop.last }}
        {%- endfor %}
    from with_targets
)

select
    {{ keys | join(', ') }},
    as_of_date,
    period_name,
    period_start_date,
    as_of_date as period_end_date,
    {{ facts | join(',\n    ') }},
    {%- for metric in metrics %}
    {{ metric }},
    {{ metric }}_target,
    is_{{ metric }}_target_met{{ ',' if not loop.last }}
    {%- endfor %}
from judged
-- in day order: the days a run rebuilds are then the table's last row groups (D31)
order by as_of_date
{%- endmacro %}
